#!/usr/bin/env bash
# Runs every test: unit, property and end-to-end (runc, a local S3 server, real FUSE mounts).
# On a fresh machine, run it as root: it installs what it needs first. Tests that need root,
# /dev/fuse or runc skip with the reason where those are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

# Formatting is checked, not discussed: CSharpier at 100 columns (.csharpierrc.yaml).
dotnet tool restore >/dev/null
dotnet csharpier check S3MountHook S3MountHook.Tests S3MountHook.Properties scripts/fuzz/S3MountHook.Fuzz scripts/bench/Baseline

dotnet build S3MountHook.sln -c Release --no-restore -nologo --verbosity quiet
scripts/publish.sh artifacts >/dev/null

# Every fuzz corpus input through every fuzz target, without the fuzzer: a quick regression check.
scripts/fuzz/replay.sh

# The end-to-end tests run this binary as the runtime's hook: the shipped AOT build, not the JIT one.
export S3MOUNTHOOK_BINARY="$PWD/artifacts/s3mounthook"

results=$(mktemp -d)
status=0
dotnet test S3MountHook.sln -c Release --no-build -nologo \
  --logger "console;verbosity=normal" --logger "trx" --results-directory "$results" || status=$?

# One closing line with the totals over every test project, read from the TRX reports.
shopt -s nullglob
passed=0 failed=0 skipped=0
for report in "$results"/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$report")
  passed=$((passed + $(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")))
  failed=$((failed + $(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")))
  skipped=$((skipped + $(sed -E 's/.* notExecuted="([0-9]+)".*/\1/' <<<"$counters")))
done
rm -rf "$results"
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
