#!/usr/bin/env bash
# Shows S3MountHook end to end: a runc container reads a bucket that the hook mounted for it, and
# afterwards nothing of the hook's is mounted or running.
#
# Usage: scripts/demo.sh [s3fs|rclone|mount-s3-double]    (as root; default s3fs)
#
# mount-s3 cannot be installed on this machine, so the demo uses a real FUSE S3 client from
# Debian (s3fs or rclone), or the test double of mount-s3 that delegates its mount to s3fs.
# Everything talks to a local S3 server on 127.0.0.1 and lives in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
repository=$PWD

mounter=${1:-s3fs}
case "$mounter" in
  s3fs) mounter_kind=s3fs; program=/usr/bin/s3fs ;;
  rclone) mounter_kind=rclone; program=/usr/bin/rclone ;;
  mount-s3-double) mounter_kind=mount-s3; program=$repository/S3MountHook.Tests/Doubles/mount-s3-double ;;
  *) echo "demo: unknown mounter \"$mounter\"; use s3fs, rclone or mount-s3-double" >&2; exit 2 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
  echo "demo: run as root: runc and FUSE mounts need it" >&2
  exit 1
fi

step() { printf '\n== %s\n' "$*"; }

step "Installing what the demo needs and publishing the Native AOT hook"
scripts/setup.sh
scripts/publish.sh artifacts
hook=$repository/artifacts/s3mounthook

work=$(mktemp -d /tmp/s3mounthook-demo.XXXXXX)
server_pid=""
finish() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  # Never delete through a mount: a recursive delete would remove the bucket's objects.
  if grep -q " $work" /proc/self/mountinfo; then
    echo "demo: something is still mounted below $work; left in place" >&2
  else
    rm -rf "$work"
  fi
}
trap finish EXIT

step "Starting a local S3 server on 127.0.0.1 with the bucket demo-bucket"
mkdir -p "$work/seed/demo-bucket/reports"
echo "Hello from S3, read inside a runc container." >"$work/seed/demo-bucket/hello.txt"
printf 'region,total\nnorth,42\nsouth,17\n' >"$work/seed/demo-bucket/reports/2026-12.csv"
source scripts/s3-server/start.sh
start_s3_server "$work" "$work/seed" || exit 1
echo "endpoint http://127.0.0.1:$port"

step "Writing the hook config ($mounter_kind) and a busybox container bundle"
cat >"$work/hookconfig.json" <<JSON
{
  "activation_flag": "S3_MOUNT",
  "program_path": "$program",
  "host_mountpoint": "$work/state/mounts",
  "container_mountpoint": "/mnt/s3",
  "mounter": "$mounter_kind",
  "state_directory": "$work/state",
  "log_path": "$work/hook.log",
  "allowed_endpoint_hosts": ["127.0.0.1"]
}
JSON
bundle=$work/bundle
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/mnt/s3"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
for applet in sh ls cat id echo; do ln -s busybox "$bundle/rootfs/bin/$applet"; done
(cd "$bundle" && runc spec)
jq --arg hook "$hook" --arg config "$work/hookconfig.json" --arg endpoint "http://127.0.0.1:$port" '
  .process.terminal = false
  | .process.user = {uid: 1000, gid: 1000}
  | .process.args = ["sh", "-c", "id; echo; ls -lR /mnt/s3; echo; cat /mnt/s3/hello.txt /mnt/s3/reports/2026-12.csv"]
  | .process.env = [
      "PATH=/bin",
      "S3_MOUNT=true",
      "S3_BUCKET=demo-bucket",
      "S3_ENDPOINT_URL=" + $endpoint,
      "AWS_REGION=us-east-1",
      "AWS_ACCESS_KEY_ID=S3RVER",
      "AWS_SECRET_ACCESS_KEY=S3RVER"
    ]
  | .root.readonly = false
  | .hooks = {
      prestart: [{path: $hook, args: ["s3mounthook", "--config", $config, "prestart"], timeout: 40}],
      poststop: [{path: $hook, args: ["s3mounthook", "--config", $config, "poststop"], timeout: 30}]
    }' "$bundle/config.json" >"$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"

step "The hook's plan for this container (--explain executes nothing)"
printf '{"ociVersion":"1.0.2","id":"demo","status":"creating","pid":1,"bundle":"%s"}' "$bundle" \
  | "$hook" --config "$work/hookconfig.json" --explain prestart

step "Running the container with runc; it lists and reads the bucket at /mnt/s3"
runc --root "$work/runc" run --bundle "$bundle" "demo-$$"

step "After the container exited"
if grep " $work" /proc/self/mountinfo; then
  echo "FAILED: a mount is left" >&2
  exit 1
fi
echo "FUSE mounts of the hook: none"
mounter_pid=$(sed -n 's/.* pid \([0-9]*\),.*/\1/p' "$work/hook.log" | head -n 1)
if [ -n "$mounter_pid" ] && [ -d "/proc/$mounter_pid" ] && ! grep -q '^State:.*[ZX]' "/proc/$mounter_pid/status"; then
  echo "FAILED: mounter pid $mounter_pid still runs" >&2
  exit 1
fi
echo "mounter process (pid ${mounter_pid:-unknown}): exited"
left=$(find "$work/state" -mindepth 2 | wc -l)
echo "files and directories left in the hook's state directory: $left"
echo "hook log:"
sed 's/^/  /' "$work/hook.log"
[ "$left" -eq 0 ]
