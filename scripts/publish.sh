#!/usr/bin/env bash
# Publishes the Native AOT hook binary to artifacts/s3mounthook (or to the directory in $1).
# RID defaults to this machine's (linux-x64 or linux-arm64); set RID to cross-publish.
set -euo pipefail
cd "$(dirname "$0")/.."

output=${1:-artifacts}
case "$(uname -m)" in
  aarch64) default_rid=linux-arm64 ;;
  *) default_rid=linux-x64 ;;
esac
rid=${RID:-$default_rid}

dotnet publish S3MountHook/S3MountHook.csproj -c Release -r "$rid" -o "$output" --verbosity quiet -nologo
echo "published $output/s3mounthook ($rid)"
