#!/usr/bin/env bash
# Packs a root file system into a one-layer docker-archive tarball that `ctr -n k8s.io images import`
# loads under the given name, with the image configuration (Env, Entrypoint, Cmd, User, ...) given as
# the JSON of the OCI/Docker "config" object.
# usage: docker-archive.sh ROOTFS NAME CONFIG_JSON OUT.tar
set -euo pipefail
rootfs=$1 name=$2 config=$3 out=$4
stage=$(mktemp -d "${out}.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# Numeric owners and sorted names: the layer's bytes depend on the files only.
tar --numeric-owner --sort=name --xattrs --xattrs-include='security.capability' --pax-option=delete=atime,delete=ctime \
  -C "$rootfs" -cf "$stage/layer.tar" .
diff_id=$(sha256sum "$stage/layer.tar" | cut -d' ' -f1)
cat >"$stage/config.json" <<JSON
{"architecture":"amd64","os":"linux","config":$config,"rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},"history":[{"created_by":"cdk8s-postgres-ha e2e/images: $(basename "$rootfs")"}]}
JSON
config_id=$(sha256sum "$stage/config.json" | cut -d' ' -f1)
mv "$stage/config.json" "$stage/$config_id.json"
mkdir "$stage/$diff_id" && mv "$stage/layer.tar" "$stage/$diff_id/layer.tar"
cat >"$stage/manifest.json" <<JSON
[{"Config":"$config_id.json","RepoTags":["$name"],"Layers":["$diff_id/layer.tar"]}]
JSON
tar -C "$stage" -cf "$out.tmp" manifest.json "$config_id.json" "$diff_id"
mv "$out.tmp" "$out"
