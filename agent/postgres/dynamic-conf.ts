// /run/pgha/dynamic.conf: the settings that change with the member's role, included last by the rendered
// postgresql.conf. All three are reloadable (PostgreSQL 13+), so following a new primary or changing the
// synchronous quorum never restarts PostgreSQL. A restore adds its recovery settings, which any later
// write drops again. The agent reads the file back after a restart to know what is in effect.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { standbyNamesSetting } from '../core/sync-standbys';
import type { SyncSet } from '../core/types';

export interface DynamicSettings {
  /** The primary to stream from (a DNS name), or null on a primary. */
  readonly upstreamHost: string | null;
  readonly upstreamPort: number;
  readonly applicationName: string;
  readonly passfile: string;
  /** Connection options that make the walreceiver verify the primary's certificate (agent/tls); none without TLS. */
  readonly tls?: readonly string[];
  readonly sync: SyncSet;
  /** While a restore recovers from the store (backup/recovery-target.ts): restore_command and recovery_target_*. */
  readonly recovery?: ReadonlyArray<readonly [string, string]>;
}

export function slotName(member: string): string {
  return member.replace(/[^a-z0-9]/g, '_');
}

export function renderDynamicConf(s: DynamicSettings): string {
  const conninfo =
    s.upstreamHost === null
      ? ''
      : [
          `host=${s.upstreamHost}`,
          `port=${s.upstreamPort}`,
          'user=replicator',
          `passfile=${s.passfile}`,
          ...(s.tls ?? []),
          `application_name=${s.applicationName}`,
          // A dead primary must not keep the walreceiver waiting for TCP to notice.
          'connect_timeout=2',
          'keepalives_idle=2',
          'keepalives_interval=1',
          'keepalives_count=3',
        ].join(' ');
  return [
    '# Written by the cdk8s-postgres-ha agent at run time; included last by postgresql.conf.',
    `primary_conninfo = ${quote(conninfo)}`,
    `primary_slot_name = ${quote(s.upstreamHost === null ? '' : slotName(s.applicationName))}`,
    `synchronous_standby_names = ${quote(standbyNamesSetting(s.sync))}`,
    ...(s.recovery ?? []).map(([name, value]) => `${name} = ${quote(value)}`),
    '',
  ].join('\n');
}

export interface AppliedSettings {
  readonly upstreamHost: string | null;
  readonly sync: SyncSet | null;
}

export function parseDynamicConf(text: string): AppliedSettings {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([a-z_]+)\s*=\s*'((?:[^']|'')*)'\s*$/.exec(line);
    if (m) values.set(m[1], m[2].replace(/''/g, "'"));
  }
  const host = /(?:^|\s)host=(\S+)/.exec(values.get('primary_conninfo') ?? '');
  return { upstreamHost: host ? host[1] : null, sync: parseStandbyNames(values.get('synchronous_standby_names')) };
}

function parseStandbyNames(value: string | undefined): SyncSet | null {
  if (value === undefined) return null;
  const m = /^ANY (\d+) \((.*)\)$/.exec(value.trim());
  if (!m) return { k: 0, members: [] };
  const members = m[2].split(',').map((s) => s.trim().replace(/^"|"$/g, '')).filter((s) => s !== '');
  return { k: Number(m[1]), members };
}

function quote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export class DynamicConfFile {
  private readonly path: string;

  constructor(runDir: string) {
    this.path = join(runDir, 'dynamic.conf');
  }

  async read(): Promise<AppliedSettings> {
    try {
      return parseDynamicConf(await readFile(this.path, 'utf8'));
    } catch {
      return { upstreamHost: null, sync: null };
    }
  }

  async write(settings: DynamicSettings): Promise<void> {
    const tmp = `${this.path}.tmp`;
    await writeFile(tmp, renderDynamicConf(settings));
    await rename(tmp, this.path);
  }
}
