// Where a cluster bootstrapped from a backup restores from, from the PGHA_RESTORE_* variables the
// construct renders (lib/restore.ts); null when the cluster bootstraps with initdb. The source store is
// always rendered in full (the cluster's own `backup` store unless the user named another).
import { readBackupConfig, type BackupConfig } from './config';
import { parseRecoveryTarget, type RecoveryTarget } from './recovery-target';

export interface RestoreConfig extends BackupConfig {
  /** The source cluster's name: its objects are under `<prefix>/<cluster>/`. */
  readonly cluster: string;
  /** The source's life (system identifier); null: whichever the chosen backup belongs to. */
  readonly systemIdentifier: string | null;
  readonly target: RecoveryTarget;
}

type Env = Record<string, string | undefined>;

export function readRestoreConfig(env: Env): RestoreConfig | null {
  const store = readBackupConfig(env, 'PGHA_RESTORE');
  if (!store) return null;
  const cluster = env.PGHA_RESTORE_CLUSTER;
  if (!cluster) throw new Error('environment variable PGHA_RESTORE_CLUSTER is required when PGHA_RESTORE_BUCKET is set');
  const target = env.PGHA_RESTORE_TARGET;
  if (!target) throw new Error('environment variable PGHA_RESTORE_TARGET is required when PGHA_RESTORE_BUCKET is set');
  const systemIdentifier = env.PGHA_RESTORE_SYSTEM_IDENTIFIER || null;
  if (systemIdentifier !== null && !/^\d{1,20}$/.test(systemIdentifier)) {
    throw new Error(`environment variable PGHA_RESTORE_SYSTEM_IDENTIFIER must be a system identifier (digits), got '${systemIdentifier}'`);
  }
  return { ...store, cluster, systemIdentifier, target: parseRecoveryTarget(target) };
}
