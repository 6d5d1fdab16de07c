#!/usr/bin/env bash
# Builds the clock-skew scenario's TEST image: the node:<major>-alpine stand-in (node.sh) plus Debian's
# libfaketime, preloaded into every process. It fakes the wall clock only (Date, time(), OpenSSL's
# certificate checks), by the offset written in /tmp/faketimerc (e.g. "+600s"; a missing file is real
# time), re-read at most a second later; the monotonic clock (performance.now, timers) stays real, which
# is what the agent times silence and deadlines on. Never a stand-in for an official image: only the
# clock-skew scenario names it (AgentImage.nodeRuntime('pgha-e2e/node-faketime:<major>')).
# usage: node-faketime.sh NODE_IMAGE.tar OUT.tar       (NODE_IMAGE.tar built by node.sh)
set -euo pipefail
base=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
rootfs="${out%.tar}.rootfs"
work=$(mktemp -d "${out}.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
rm -rf "$rootfs" && mkdir -p "$rootfs"

# The base is a one-layer docker-archive (docker-archive.sh): its layer is the root file system.
tar -xf "$base" -C "$work"
layer=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[0].Layers[0])' "$work/manifest.json")
config=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1] + "/" + JSON.parse(require("fs").readFileSync(process.argv[1] + "/manifest.json", "utf8"))[0].Config, "utf8")).config.Env.join("\n"))' "$work")
tar --numeric-owner -xf "$work/$layer" -C "$rootfs"
major=$(sed -n 's/^NODE_VERSION=\([0-9]*\)\..*/\1/p' <<<"$config")

echo "apt-get download libfaketime"
(cd "$work" && apt-get download libfaketime >/dev/null)
dpkg-deb -x "$work"/libfaketime_*.deb "$rootfs"
lib=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
rm -rf "$rootfs/usr/share/doc"
[ -f "$rootfs$lib" ] || { echo "libfaketime.so.1 is not at $lib" >&2; exit 1; }

env_json=$(node -e 'console.log(JSON.stringify(process.argv.slice(1)))' $config \
  "LD_PRELOAD=$lib" FAKETIME_TIMESTAMP_FILE=/tmp/faketimerc FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_CACHE_DURATION=1)
name="docker.io/pgha-e2e/node-faketime:$major"
echo "pack $name"
"$here/docker-archive.sh" "$rootfs" "$name" "{\"Env\":$env_json,\"Cmd\":[\"node\"]}" "$out"
rm -rf "$rootfs"
