#!/usr/bin/env bash
# Runs every file of the seed corpus (or the given files and directories) through every fuzz
# target without AFL and exits 1 when any input breaks a check. Fast enough for CI.
#
# Usage: scripts/fuzz/replay.sh [PATH...]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -eq 0 ]]; then
    set -- "$here/corpus"
fi

dotnet run --project "$here/S3MountHook.Fuzz/S3MountHook.Fuzz.csproj" -c Release -- replay "$@"
