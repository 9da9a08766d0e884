#!/usr/bin/env bash
# Installs S3MountHook into a Kata Containers or peer-pods guest image root.
#
# Usage: install-guest-hook.sh BINARY IMAGE_ROOT [GUEST_HOOK_PATH]
#
# The Kata agent runs every file in GUEST_HOOK_PATH/prestart and GUEST_HOOK_PATH/poststop
# with argv [file name, stage name]; GUEST_HOOK_PATH is the agent's guest_hook_path setting
# (/usr/share/oci/hooks in the Go hook's images). The hook config goes to
# /usr/share/oci/hooks/mountpoint_hookconfig.json, where the hook looks by default.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 BINARY IMAGE_ROOT [GUEST_HOOK_PATH]" >&2
  exit 2
fi

binary=$1
image_root=$2
hook_path=${3:-/usr/share/oci/hooks}
here=$(cd "$(dirname "$0")" && pwd)

install -D -m 0755 -o root -g root "$binary" "$image_root/usr/local/bin/s3mounthook"
for stage in prestart poststop; do
  install -d -m 0755 "$image_root$hook_path/$stage"
  ln -sf /usr/local/bin/s3mounthook "$image_root$hook_path/$stage/s3mounthook"
done

config="$image_root/usr/share/oci/hooks/mountpoint_hookconfig.json"
if [ ! -e "$config" ]; then
  install -D -m 0644 -o root -g root "$here/../mountpoint_hookconfig.json" "$config"
fi
echo "installed s3mounthook into $image_root ($hook_path/{prestart,poststop})"
