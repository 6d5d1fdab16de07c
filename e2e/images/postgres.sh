#!/usr/bin/env bash
# Builds a root file system that reproduces the official `postgres:<major>` image (docker-library's
# Debian Dockerfile) from Debian's own packages, and packs it as a docker-archive named
# docker.io/library/postgres:<major>. Every way the result differs from the official image is listed in
# e2e/README.md ("Images").
# usage: postgres.sh MAJOR SUITE OUT.tar        e.g. postgres.sh 17 trixie /cache/postgres-17.tar
set -euo pipefail
major=$1 suite=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
rootfs="${out%.tar}.rootfs"
rm -rf "$rootfs"
trap 'umount "$rootfs/proc" 2>/dev/null || true' EXIT

echo "debootstrap $suite (minbase)"
debootstrap --variant=minbase --include=ca-certificates,locales "$suite" "$rootfs" http://deb.debian.org/debian >"$rootfs.debootstrap.log" 2>&1 \
  || { echo "debootstrap failed: see $rootfs.debootstrap.log" >&2; exit 1; }

in_root() { chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
mount -t proc proc "$rootfs/proc"
# No daemon starts inside a chroot while packages install (postgresql's postinst would try).
printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d" && chmod +x "$rootfs/usr/sbin/policy-rc.d"

# As the official Dockerfile: the postgres user and group with fixed ids 999, home /var/lib/postgresql.
in_root groupadd -r postgres --gid=999
in_root useradd -r -g postgres --uid=999 --home-dir=/var/lib/postgresql --shell=/bin/bash postgres
install -d -o 999 -g 999 -m 1777 "$rootfs/var/lib/postgresql"
# The en_US.UTF-8 locale, which the official image makes with localedef and names in LANG.
# (sid's locales no longer ships locale.alias; the alias file only adds short names.)
alias_file=/usr/share/locale/locale.alias
if [ -e "$rootfs$alias_file" ]; then in_root localedef -i en_US -c -f UTF-8 -A "$alias_file" en_US.UTF-8
else in_root localedef -i en_US -c -f UTF-8 en_US.UTF-8; fi
install -d -m 0755 "$rootfs/docker-entrypoint-initdb.d"

# postgresql-common must not create a "main" cluster on install (the official image does the same).
install -d "$rootfs/etc/postgresql-common/createcluster.d"
echo 'create_main_cluster = false' >"$rootfs/etc/postgresql-common/createcluster.d/cdk8s-postgres-ha.conf"
echo "apt-get install postgresql-$major ($suite)"
# The mirror may serve a suite whose Release file is past its Valid-Until (sid here, by weeks);
# debootstrap accepted it already, so apt must too.
apt_opts=(-o Acquire::Check-Valid-Until=false)
in_root apt-get "${apt_opts[@]}" update -qq
in_root apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "postgresql-$major" libnss-wrapper xz-utils zstd >"$rootfs.apt.log" 2>&1 \
  || { echo "apt-get install postgresql-$major failed: see $rootfs.apt.log" >&2; exit 1; }
# As the official image: listen on every address by default in the sample configuration.
sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" "$rootfs/usr/share/postgresql/$major/postgresql.conf.sample"
install -d -o 999 -g 999 -m 3777 "$rootfs/var/run/postgresql"
pg_version=$(in_root dpkg-query -W -f='${Version}' "postgresql-$major")

# PostgreSQL 18's image keeps its data one level down, per major (docker-library/postgres#1259).
if [ "$major" -ge 18 ]; then pgdata=/var/lib/postgresql/$major/docker; else pgdata=/var/lib/postgresql/data; fi
install -d -o 999 -g 999 -m 1777 "$rootfs$pgdata"

umount "$rootfs/proc"
rm -f "$rootfs/usr/sbin/policy-rc.d"
in_root apt-get clean
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/*
# Reproducible-ish: the layer's bytes should not depend on when it was built.
: >"$rootfs/etc/machine-id"

config=$(cat <<JSON
{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/postgresql/$major/bin","LANG=en_US.utf8","PG_MAJOR=$major","PG_VERSION=$pg_version","PGDATA=$pgdata"],
 "Entrypoint":["docker-entrypoint.sh"],"Cmd":["postgres"],"StopSignal":"SIGINT",
 "ExposedPorts":{"5432/tcp":{}},"Volumes":{"$( [ "$major" -ge 18 ] && echo /var/lib/postgresql || echo /var/lib/postgresql/data )":{}}}
JSON
)
echo "pack docker.io/library/postgres:$major ($pg_version)"
"$here/docker-archive.sh" "$rootfs" "docker.io/library/postgres:$major" "$config" "$out"
rm -rf "$rootfs" "$rootfs".*.log
