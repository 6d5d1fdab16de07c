#!/usr/bin/env bash
# Packs one static binary as an image whose entrypoint it is: the pause image (built from the
# pause.c that the k8s.io/kubernetes module carries) and CoreDNS (built from its Go module).
# usage: binary-image.sh BINARY PATH_IN_IMAGE NAME OUT.tar [USER]
set -euo pipefail
binary=$1 path=$2 name=$3 out=$4 user=${5:-}
here=$(cd "$(dirname "$0")" && pwd)
rootfs="${out%.tar}.rootfs"
rm -rf "$rootfs" && install -D -m 0755 "$binary" "$rootfs$path"
mkdir -p "$rootfs/etc" "$rootfs/tmp" && chmod 1777 "$rootfs/tmp"
config="{\"Entrypoint\":[\"$path\"]${user:+,\"User\":\"$user\"}}"
"$here/docker-archive.sh" "$rootfs" "$name" "$config" "$out"
rm -rf "$rootfs"
