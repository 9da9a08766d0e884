#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh Debian 12 machine, as root. From Debian:
# runc, podman, FUSE, the FUSE S3 clients s3fs and rclone, and busybox for container root file
# systems. From npm and NuGet: the local S3 server and the .NET packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(runc podman fuse3 s3fs rclone busybox-static curl util-linux iproute2 procps jq hyperfine)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages ${missing[*]}; run as root or install them" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npm ci --prefix scripts/s3-server --no-audit --no-fund --loglevel=error
dotnet restore S3MountHook.sln --verbosity quiet
