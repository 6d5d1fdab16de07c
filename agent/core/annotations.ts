// Names of the labels and Lease annotations the agents share with each other, the construct's Services,
// and users (switchover). They are contract: agent/README.md "Labels and annotations".
import { parseLsn } from '../postgres/lsn';
import type { Lease } from '../kube/lease-store';
import type { SyncSet } from './types';

const PREFIX = 'cdk8s-postgres-ha/';

export const ROLE_LABEL = `${PREFIX}role`;

export const ANNOTATIONS = {
  systemIdentifier: `${PREFIX}system-identifier`,
  primaryLsn: `${PREFIX}primary-lsn`,
  primaryTimeline: `${PREFIX}primary-timeline`,
  syncStandbys: `${PREFIX}sync-standbys`,
  switchoverTo: `${PREFIX}switchover-to`,
  previousHolder: `${PREFIX}previous-holder`,
  /** Written by a user (`kubectl annotate lease <name>-leader cdk8s-postgres-ha/backup=now`): take a base backup. */
  backup: `${PREFIX}backup`,
  /** The holder's: which member takes which backup (agent/backup/schedule.ts). */
  backupAssigned: `${PREFIX}backup-assigned`,
  /** The holder's: the last scheduled slot given out, so a new holder does not give it out again. */
  backupSlot: `${PREFIX}backup-slot`,
} as const;

export interface LeaseAnnotations {
  readonly systemIdentifier: string | null;
  readonly primaryLsn: bigint | null;
  readonly syncStandbys: SyncSet | null;
  readonly switchoverTo: string | null;
  readonly previousHolder: string | null;
}

/** Reads the annotations; a value that does not parse counts as absent rather than stopping the agent. */
export function readLeaseAnnotations(lease: Lease): LeaseAnnotations {
  const a = lease.annotations;
  const text = (key: string) => (a[key] === undefined || a[key] === '' ? null : a[key]);
  const lsn = (() => {
    try {
      return text(ANNOTATIONS.primaryLsn) === null ? null : parseLsn(a[ANNOTATIONS.primaryLsn]);
    } catch {
      return null;
    }
  })();
  return {
    systemIdentifier: text(ANNOTATIONS.systemIdentifier),
    primaryLsn: lsn,
    syncStandbys: parseSyncSet(text(ANNOTATIONS.syncStandbys)),
    switchoverTo: text(ANNOTATIONS.switchoverTo),
    previousHolder: text(ANNOTATIONS.previousHolder),
  };
}

function parseSyncSet(value: string | null): SyncSet | null {
  if (value === null) return null;
  try {
    const parsed = JSON.parse(value) as { k?: unknown; members?: unknown };
    if (typeof parsed.k !== 'number' || !Array.isArray(parsed.members)) return null;
    return { k: parsed.k, members: parsed.members.filter((m): m is string => typeof m === 'string') };
  } catch {
    return null;
  }
}

export function formatSyncSet(set: SyncSet): string {
  return JSON.stringify({ k: set.k, members: [...set.members] });
}
