/**
 * What the harness needs from the machine: root (network namespaces, mounts, other users), the tools
 * it runs, and for PostgreSQL scenarios the PostgreSQL 15 binaries and a `postgres` user to stand in
 * for the image's uid 999.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { POSTGRES_BIN_DIR } from './images';
import type { IdMapping } from './security';

const TOOLS = ['/usr/sbin/ip', '/usr/bin/unshare', '/usr/bin/setpriv', '/usr/bin/nsenter', '/usr/bin/mount', '/usr/bin/hostname', '/usr/bin/openssl'];
/** The official postgres image's user and group. */
const IMAGE_POSTGRES_ID = 999;

/** @returns why the harness cannot run here; empty when it can */
export function missingPrerequisites(needPostgres: boolean): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (network namespaces, bind mounts and switching users need it)');
  missing.push(...TOOLS.filter((tool) => !existsSync(tool)).map((tool) => `${tool} (util-linux, iproute2 or openssl)`));
  if (needPostgres) {
    for (const binary of ['postgres', 'initdb', 'pg_ctl', 'pg_basebackup', 'pg_rewind', 'pg_controldata']) {
      if (!existsSync(join(POSTGRES_BIN_DIR, binary))) missing.push(`${POSTGRES_BIN_DIR}/${binary} (Debian package postgresql-15)`);
    }
  }
  if (!hostUser('postgres')) missing.push('a host user "postgres" (it stands in for the image\'s uid 999)');
  return missing;
}

/** The host's `postgres` user and group stand in for the image's 999:999. */
export function postgresIdMapping(): IdMapping {
  const user = hostUser('postgres');
  if (!user) throw new Error('the host has no "postgres" user');
  return { imageUid: IMAGE_POSTGRES_ID, imageGid: IMAGE_POSTGRES_ID, hostUid: user.uid, hostGid: user.gid };
}

function hostUser(name: string): { uid: number; gid: number } | undefined {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((entry) => entry.startsWith(`${name}:`));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
