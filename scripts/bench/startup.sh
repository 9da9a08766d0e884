#!/usr/bin/env bash
# Measures the hook's not-activated path, the one every container start takes, against a minimal
# Native AOT baseline that only parses the state and config.json and looks up one variable.
#
# Usage: scripts/bench/startup.sh [RUNS]   (RUNS of each command, default 1000)
#
# It publishes both binaries to artifacts/bench, builds a runc-like bundle whose config.json sets
# 20 variables but not the activation flag, and reports:
#   - wall time of both, alternated run by run (scripts/bench/measure.py);
#   - max RSS of both, from GNU time over 20 runs each;
#   - instructions of one run of each under callgrind, and the functions that cost the most;
#   - page faults per run from `perf stat -r 200`, when perf is installed and allowed.
# Results go to stdout and artifacts/bench/results. Needs python3, valgrind and GNU time
# (apt-get install -y valgrind time).
set -euo pipefail
cd "$(dirname "$0")/../.."

runs=${1:-1000}
memory_runs=20
output=artifacts/bench
results=$output/results

for tool in python3 valgrind callgrind_annotate addr2line /usr/bin/time; do
  if ! command -v "$tool" > /dev/null; then
    echo "startup.sh: $tool is missing; install it with: apt-get install -y valgrind time binutils python3" >&2
    exit 1
  fi
done

case "$(uname -m)" in
  aarch64) rid=linux-arm64 ;;
  *) rid=linux-x64 ;;
esac

scripts/publish.sh "$output/hook"
dotnet publish scripts/bench/Baseline/Baseline.csproj -c Release -r "$rid" -o "$output/baseline" --verbosity quiet -nologo
echo "published $output/baseline/baseline ($rid)"
hook=$PWD/$output/hook/s3mounthook
baseline=$PWD/$output/baseline/baseline

work=$(mktemp -d /tmp/s3mounthook-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bundle/rootfs"

# A config.json modelled on the output of `runc spec`, with the hook registered and an application
# environment of 20 variables. S3_MOUNT, the activation flag, is not among them.
cat > "$work/bundle/config.json" <<'JSON'
{
  "ociVersion": "1.0.2-dev",
  "process": {
    "terminal": false,
    "user": {"uid": 1000, "gid": 1000, "additionalGids": [1000]},
    "args": ["/usr/local/bin/app", "--listen", ":8080"],
    "env": [
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "HOSTNAME=web-7d9c6b5f4-x2kq9",
      "TERM=xterm",
      "HOME=/home/app",
      "LANG=C.UTF-8",
      "TZ=UTC",
      "APP_ENV=production",
      "APP_PORT=8080",
      "APP_LOG_LEVEL=info",
      "APP_WORKERS=4",
      "DATABASE_HOST=db.internal.example",
      "DATABASE_PORT=5432",
      "DATABASE_NAME=orders",
      "REDIS_URL=redis://cache.internal.example:6379/0",
      "KUBERNETES_SERVICE_HOST=10.96.0.1",
      "KUBERNETES_SERVICE_PORT=443",
      "KUBERNETES_SERVICE_PORT_HTTPS=443",
      "KUBERNETES_PORT=tcp://10.96.0.1:443",
      "KUBERNETES_PORT_443_TCP=tcp://10.96.0.1:443",
      "OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector.monitoring:4317"
    ],
    "cwd": "/srv/app",
    "capabilities": {
      "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "ambient": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    },
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "web-7d9c6b5f4-x2kq9",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}
  ],
  "hooks": {
    "prestart": [{"path": "/usr/local/bin/s3mounthook", "args": ["s3mounthook", "prestart"], "timeout": 40}],
    "poststop": [{"path": "/usr/local/bin/s3mounthook", "args": ["s3mounthook", "poststop"], "timeout": 30}]
  },
  "annotations": {"io.kubernetes.cri.container-name": "web", "io.kubernetes.cri.sandbox-id": "5f0c1d2e3a4b"},
  "linux": {
    "resources": {"devices": [{"allow": false, "access": "rwm"}]},
    "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "cgroup"}],
    "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                    "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }
}
JSON

cat > "$work/state.json" <<JSON
{"ociVersion":"1.0.2","id":"web-7d9c6b5f4-x2kq9","status":"creating","pid":4242,"bundle":"$work/bundle","annotations":{}}
JSON

# The shipped config with every path under the work directory, so that a run which did write
# something would show it there.
cat > "$work/hook.json" <<JSON
{
  "activation_flag": "S3_MOUNT",
  "program_path": "/usr/bin/mount-s3",
  "host_mountpoint": "$work/state/mounts",
  "container_mountpoint": "/mnt/s3",
  "mounter": "mount-s3",
  "state_directory": "$work/state",
  "mount_timeout_seconds": 30,
  "log_path": "$work/state/hook.log",
  "on_failure": "fail",
  "allow_instance_credentials": false,
  "force_path_style": true,
  "read_only": false,
  "allow_other": true
}
JSON

hook_command="$hook --config $work/hook.json prestart"

# The benchmark is only valid if the hook takes the not-activated path and touches nothing.
if ! "$hook" --config "$work/hook.json" --explain prestart < "$work/state.json" | grep -q '^activation: no'; then
  echo "startup.sh: the hook does not report 'activation: no' for the benchmark bundle" >&2
  exit 1
fi
$hook_command < "$work/state.json"
if [ -e "$work/state" ]; then
  echo "startup.sh: the not-activated path created $work/state; it must write nothing" >&2
  exit 1
fi

mkdir -p "$results"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- S3MountHook scripts/bench || echo ' (with uncommitted changes)')"
  echo "nproc: $(nproc)"
  echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
  echo "memory: $(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "kernel: $(uname -r)"
  echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "dotnet sdk: $(dotnet --version)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "binary size: hook $(stat -c %s "$hook") bytes, baseline $(stat -c %s "$baseline") bytes"
} | tee "$results/machine.txt"
echo

echo "== wall time =="
python3 scripts/bench/measure.py --runs "$runs" --input "$work/state.json" --output "$results" \
  "hook=$hook_command" "baseline=$baseline" | tee "$results/wall.md"
echo

echo "== max RSS (GNU time, $memory_runs runs each) =="
max_rss() {
  local samples=()
  for _ in $(seq "$memory_runs"); do
    samples+=("$( { /usr/bin/time -f %M "$@" < "$work/state.json" > /dev/null; } 2>&1)")
  done
  printf '%s\n' "${samples[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "median %d KiB, max %d KiB\n", v[int((NR + 1) / 2)], v[NR] }'
}
{
  echo "hook: $(max_rss $hook_command)"
  echo "baseline: $(max_rss "$baseline")"
} | tee "$results/memory.txt"
echo

# Valgrind 3.19 cannot read the DWARF 5 in the .dbg files and stops. So callgrind runs copies of
# the binaries without them, and callgrind_top.py names the addresses from the .dbg files.
echo "== instructions (callgrind, one run each) =="
mkdir -p "$work/callgrind"
cp "$hook" "$baseline" "$work/callgrind/"
count_instructions() {
  local name=$1
  shift
  valgrind --tool=callgrind --callgrind-out-file="$results/callgrind.$name.out" "$@" < "$work/state.json" 2>&1 \
    | sed -n 's/.*Collected : //p'
}
{
  echo "hook: $(count_instructions hook "$work/callgrind/s3mounthook" --config "$work/hook.json" prestart)"
  echo "baseline: $(count_instructions baseline "$work/callgrind/baseline")"
} | tee "$results/instructions.txt"
python3 scripts/bench/callgrind_top.py "$results/callgrind.hook.out" "$output/hook/s3mounthook.dbg" 60 > "$results/callgrind.hook.top.txt"
python3 scripts/bench/callgrind_top.py "$results/callgrind.baseline.out" "$output/baseline/baseline.dbg" 60 > "$results/callgrind.baseline.top.txt"
echo "inclusive instructions by function: $results/callgrind.hook.top.txt, $results/callgrind.baseline.top.txt"

# Page faults explain most of the CPU time that the instruction counts do not. perf is optional
# because many VMs and containers do not allow perf events.
echo
echo "== page faults (perf stat, 200 runs each) =="
if command -v perf > /dev/null && perf stat -e page-faults true > /dev/null 2>&1; then
  page_faults() {
    perf stat -r 200 -x, -e page-faults "$@" < "$work/state.json" 2>&1 > /dev/null | awk -F, '/page-faults/ { printf "%d per run\n", $1 }'
  }
  {
    echo "hook: $(page_faults $hook_command)"
    echo "baseline: $(page_faults "$baseline")"
  } | tee "$results/page-faults.txt"
else
  echo "skipped: perf is not installed or may not count page-faults here (apt-get install -y linux-perf)"
fi
