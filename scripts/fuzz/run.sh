#!/usr/bin/env bash
# Builds the fuzz harness, instruments s3mounthook.dll with SharpFuzz and runs afl-fuzz on one
# target for a fixed time. Findings go to a new temporary directory, which the script prints.
#
# Usage: scripts/fuzz/run.sh TARGET [SECONDS]
#   TARGET   state, config, spec, env or argv
#   SECONDS  how long afl-fuzz runs (default 60)
# Exits 1 when afl-fuzz saved a crash, 2 on a usage error.
set -euo pipefail

targets="state config spec env argv"
target="${1:-}"
duration="${2:-60}"
if [[ -z "$target" || " $targets " != *" $target "* || ! "$duration" =~ ^[0-9]+$ ]]; then
    echo "usage: $0 TARGET [SECONDS]  (TARGET: ${targets// /, })" >&2
    exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repository="$(cd "$here/../.." && pwd)"

if ! command -v afl-fuzz >/dev/null; then
    echo "afl-fuzz not found; installing afl++ with apt-get" >&2
    sudo_command=""
    [[ "$(id -u)" -ne 0 ]] && sudo_command="sudo"
    $sudo_command apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_command apt-get install -y -qq afl++
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/s3mounthook-fuzz-$target.XXXXXX")"
echo "work directory: $work"

# The harness is built into its own directory, so instrumenting s3mounthook.dll there leaves the
# normal build output untouched.
dotnet build "$repository/scripts/fuzz/S3MountHook.Fuzz/S3MountHook.Fuzz.csproj" \
    -c Release -o "$work/bin" -nologo -v quiet
(cd "$repository" && dotnet tool restore >/dev/null && dotnet sharpfuzz "$work/bin/s3mounthook.dll")

case "$target" in
    state | config | spec) dictionary="$here/json.dict" ;;
    *) dictionary="$here/env.dict" ;;
esac

# The dotnet host carries no AFL instrumentation, because SharpFuzz adds it to the IL
# (AFL_SKIP_BIN_CHECK). -t is the per-input timeout in milliseconds.
AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    afl-fuzz -V "$duration" -t 5000 -m none -x "$dictionary" \
    -i "$here/corpus/$target" -o "$work/findings" \
    -- "$(command -v dotnet)" "$work/bin/S3MountHook.Fuzz.dll" "$target" >"$work/afl.log" 2>&1 || {
    echo "afl-fuzz failed; the last lines of $work/afl.log:" >&2
    tail -n 30 "$work/afl.log" >&2
    exit 3
}

stats="$work/findings/default/fuzzer_stats"
value() { awk -F' *: *' -v key="$1" '$1 == key { print $2 }' "$stats"; }
echo "target:     $target"
echo "run time:   $(value run_time) s"
echo "executions: $(value execs_done) ($(value execs_per_sec)/s)"
echo "corpus:     $(value corpus_count) paths, $(value edges_found) edges, bitmap $(value bitmap_cvg)"
echo "crashes:    $(value saved_crashes)"
echo "hangs:      $(value saved_hangs)"
echo "findings:   $work/findings/default"

if [[ "$(value saved_crashes)" != "0" ]]; then
    echo "replay a crash with a stack trace:" >&2
    echo "  dotnet run --project $repository/scripts/fuzz/S3MountHook.Fuzz -- replay $work/findings/default/crashes" >&2
    exit 1
fi
