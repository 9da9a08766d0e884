# Sourced by the demo and the soak script: starts the local S3 server in the background.
#
# start_s3_server WORK SEED: serves WORK/s3 with the buckets in SEED on a free port of
# 127.0.0.1, waits until it is ready, and sets server_pid and port. The caller stops it with
# `kill "$server_pid"`. Fails with the server's own error when it does not start.
start_s3_server() {
  local work=$1 seed=$2
  node "$(dirname "${BASH_SOURCE[0]}")/server.mjs" --directory "$work/s3" --seed "$seed" \
    >"$work/server.out" 2>"$work/server.err" &
  server_pid=$!
  for _ in $(seq 100); do
    grep -q '^ready ' "$work/server.out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.err" >&2; return 1; }
    sleep 0.1
  done
  port=$(awk '/^ready /{print $2}' "$work/server.out")
  [ -n "$port" ] || { echo "the local S3 server did not report ready within 10 s" >&2; return 1; }
}
