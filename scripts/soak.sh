#!/usr/bin/env bash
# Soak benchmark: runs many runc containers through the Native AOT hook with a real FUSE mounter
# (s3fs) and counts what is left behind. It is a benchmark, not a test: it prints figures and
# exits non-zero on any failed container or any leftover.
#
# Usage: scripts/soak.sh [CYCLES] [CONCURRENT]    (as root; defaults 1000 and 32)
#
# Phase 1 starts CONCURRENT containers at once; each reads an object through the hook's mount and
# exits. Phase 2 runs CYCLES containers one after another, the same way. Then it counts FUSE
# mounts, live mounter processes, entries below the hook's state and staging directories, state
# records and runc containers, each of which must be 0. Everything talks to a local S3 server on
# 127.0.0.1 and lives in a temporary directory that the script removes.
set -euo pipefail
cd "$(dirname "$0")/.."
repository=$PWD

cycles=${1:-1000}
concurrent=${2:-32}
for value in "$cycles" "$concurrent"; do
  if ! [[ $value =~ ^[0-9]+$ ]] || [ "$value" -lt 1 ] || [ "$value" -gt 100000 ]; then
    echo "soak: CYCLES and CONCURRENT must be integers from 1 to 100000, got \"$value\"" >&2
    exit 2
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  echo "soak: run as root: runc and FUSE mounts need it" >&2
  exit 1
fi

# A deadline for one `runc run`, in seconds, far above the hook's own 30 s mount timeout.
readonly RUN_TIMEOUT=120
readonly CONTENT="soak object read through the hook"

scripts/setup.sh >/dev/null
scripts/publish.sh artifacts >/dev/null
hook=$repository/artifacts/s3mounthook

work=$(mktemp -d /tmp/s3mounthook-soak.XXXXXX)
server_pid=""
finish() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  if [ -d "$work/runc" ]; then
    for id in $(runc --root "$work/runc" list -q 2>/dev/null); do
      runc --root "$work/runc" delete --force "$id" >/dev/null 2>&1 || true
    done
  fi
  # Never delete through a mount: a recursive delete would remove the bucket's objects.
  if grep -qF " $work/" /proc/self/mountinfo; then
    echo "soak: something is still mounted below $work; left in place. Unmount it, then remove the directory." >&2
  else
    rm -rf "$work"
  fi
}
trap finish EXIT

# The local S3 server, seeded with one bucket and one object.
mkdir -p "$work/seed/soak-bucket"
printf '%s\n' "$CONTENT" >"$work/seed/soak-bucket/object.txt"
source scripts/s3-server/start.sh
start_s3_server "$work" "$work/seed" || exit 1

state=$work/state
staging=$work/mounts
cat >"$work/hookconfig.json" <<JSON
{
  "activation_flag": "S3_MOUNT",
  "program_path": "/usr/bin/s3fs",
  "host_mountpoint": "$staging",
  "container_mountpoint": "/mnt/s3",
  "mounter": "s3fs",
  "state_directory": "$state",
  "log_path": "$work/hook.log",
  "allowed_endpoint_hosts": ["127.0.0.1"]
}
JSON

# One bundle serves every container: the root is read-only and each container's mount lives in
# its own mount namespace.
bundle=$work/bundle
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/mnt/s3"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
for applet in sh cat; do ln -s busybox "$bundle/rootfs/bin/$applet"; done
(cd "$bundle" && runc spec)
jq --arg hook "$hook" --arg config "$work/hookconfig.json" --arg endpoint "http://127.0.0.1:$port" '
  .process.terminal = false
  | .process.args = ["cat", "/mnt/s3/object.txt"]
  | .process.env = [
      "PATH=/bin",
      "S3_MOUNT=true",
      "S3_BUCKET=soak-bucket",
      "S3_ENDPOINT_URL=" + $endpoint,
      "AWS_REGION=us-east-1",
      "AWS_ACCESS_KEY_ID=S3RVER",
      "AWS_SECRET_ACCESS_KEY=S3RVER"
    ]
  | .hooks = {
      prestart: [{path: $hook, args: ["s3mounthook", "--config", $config, "prestart"], timeout: 40}],
      poststop: [{path: $hook, args: ["s3mounthook", "--config", $config, "poststop"], timeout: 30}]
    }' "$bundle/config.json" >"$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"

mkdir -p "$work/out"
failures=0
failure_examples=()

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Runs one container. Its output goes to $work/out/ID.stdout and ID.stderr.
run_container() {
  local id=$1
  timeout --kill-after=10 "$RUN_TIMEOUT" runc --root "$work/runc" run --bundle "$bundle" "$id" \
    </dev/null >"$work/out/$id.stdout" 2>"$work/out/$id.stderr"
}

# Checks one finished container, and counts and remembers a failure.
check_container() {
  local id=$1 code=$2
  if [ "$code" -eq 0 ] && [ "$(cat "$work/out/$id.stdout")" = "$CONTENT" ]; then
    rm -f "$work/out/$id.stdout" "$work/out/$id.stderr"
    return 0
  fi
  failures=$((failures + 1))
  if [ ${#failure_examples[@]} -lt 5 ]; then
    failure_examples+=("$id: exit $code: $(head -c 300 "$work/out/$id.stderr" | tr '\n' ' ')")
  fi
  return 1
}

echo "phase 1: $concurrent containers at once"
pids=()
start=$(now_ms)
for i in $(seq "$concurrent"); do
  run_container "soak-c-$i" &
  pids+=($!)
done
concurrent_ok=0
for i in $(seq "$concurrent"); do
  code=0
  wait "${pids[$((i - 1))]}" || code=$?
  check_container "soak-c-$i" "$code" && concurrent_ok=$((concurrent_ok + 1))
done
concurrent_ms=$(($(now_ms) - start))

echo "phase 2: $cycles sequential start/stop cycles"
sequential_ok=0
: >"$work/cycle-ms"
for i in $(seq "$cycles"); do
  start=$(now_ms)
  code=0
  run_container "soak-s-$i" || code=$?
  echo $(($(now_ms) - start)) >>"$work/cycle-ms"
  check_container "soak-s-$i" "$code" && sequential_ok=$((sequential_ok + 1))
  if [ $((i % 100)) -eq 0 ]; then
    echo "  $i cycles, $((i - sequential_ok)) failed"
  fi
done
sort -n "$work/cycle-ms" >"$work/cycle-ms.sorted"
median_ms=$(awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }' "$work/cycle-ms.sorted")
p99_ms=$(awk '{ v[NR] = $1 } END { i = int(NR * 0.99); if (i < NR * 0.99) i++; print v[i] }' "$work/cycle-ms.sorted")

# Leftovers. Mounters count by live state (not Z or X): killed daemons reparented to PID 1 can
# stay as zombies on these machines, and a zombie has no mount and no open file.
fuse_mounts=$(awk -v prefix="$work/" '{ for (i = 1; i <= NF; i++) if ($i == "-") { type = $(i + 1); break } }
  index($5, prefix) == 1 && (type == "fuse" || type ~ /^fuse\./) { n++ } END { print n + 0 }' /proc/self/mountinfo)
live_mounters=0
zombie_mounters=0
for process in /proc/[0-9]*; do
  executable=$(readlink "$process/exe" 2>/dev/null || true)
  arguments=$(tr '\0' ' ' 2>/dev/null <"$process/cmdline" || true)
  case "$executable $arguments" in
    *s3fs*"$work"*) ;;
    *) continue ;;
  esac
  process_state=$(awk '{ sub(/.*\) /, ""); print substr($0, 1, 1) }' "$process/stat" 2>/dev/null || echo X)
  case "$process_state" in
    Z | X) zombie_mounters=$((zombie_mounters + 1)) ;;
    *) live_mounters=$((live_mounters + 1)) ;;
  esac
done
count_entries() {
  if [ -d "$1" ]; then find "$1" -mindepth 1 "${@:2}" | wc -l; else echo 0; fi
}
state_entries=$(count_entries "$state/containers")
staging_entries=$(count_entries "$staging")
records=$(count_entries "$state" -name record.json)
runc_containers=$(runc --root "$work/runc" list -q | wc -l)
hook_errors=$(grep -c '"level":"error"' "$work/hook.log" || true)

cat <<REPORT

soak result ($(date -u +%Y-%m-%dT%H:%M:%SZ))
  concurrent phase:   $concurrent_ok of $concurrent succeeded, wall time $concurrent_ms ms
  sequential phase:   $sequential_ok of $cycles succeeded, per cycle median $median_ms ms, p99 $p99_ms ms
  failures:           $failures
  hook log errors:    $hook_errors
  left behind:
    FUSE mounts:                    $fuse_mounts
    live mounter processes:         $live_mounters (zombies, not counted: $zombie_mounters)
    entries below state/containers: $state_entries
    entries below staging:          $staging_entries
    records:                        $records
    runc containers:                $runc_containers
REPORT
for example in "${failure_examples[@]}"; do
  echo "  failure: $example"
done

leftovers=$((fuse_mounts + live_mounters + state_entries + staging_entries + records + runc_containers))
if [ "$failures" -ne 0 ] || [ "$leftovers" -ne 0 ]; then
  echo "soak: FAILED" >&2
  exit 1
fi
echo "soak: passed"
