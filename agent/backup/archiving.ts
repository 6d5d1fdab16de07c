// Wires WAL archiving for the composition root: the store client with the Secret's credentials, the
// WalServer that answers wal.sh, and the once-a-minute backlog check that raises a Warning Event. A
// cluster bootstrapped from a backup also restores through it, from the source's store and root. The
// store and the archive's root are handed on to base backups (backups.ts).
import type { AgentConfig } from '../config';
import type { EventRecorder } from '../kube/events';
import { readControlData } from '../postgres/pg-control';
import type { Logger } from '../runtime/log';
import { archiveStatus, backlogWarning, type ArchiveStatus } from './backlog';
import type { BackupConfig, StoreConfig } from './config';
import { StoreCredentials, type SecretReader } from './credentials';
import { archiveRoot } from './layout';
import { S3Store } from './s3';
import { WalServer } from './wal-server';

/** In the shared /tmp emptyDir: restored segments (16 MiB each) would not fit the run folder's memory. */
const SPOOL_DIR = '/tmp/pgha-wal';
const CHECK_MS = 60_000;

/** The store client of a store configuration, signing with the credentials of its Secret. */
export function storeOf(backup: StoreConfig, secrets: SecretReader): S3Store {
  const credentials = new StoreCredentials(secrets, backup.secretName);
  return new S3Store(backup.location, () => credentials.get());
}

/**
 * Starts the WalServer; resolves to the archive (its status, store and root) when the cluster archives (`backup`), else null.
 * `restoreFrom`: the source of a restore (its system identifier is the restored data's own).
 */
export async function startArchiving(
  config: AgentConfig,
  backup: BackupConfig | null,
  deps: { secrets: SecretReader; events: EventRecorder; log: Logger },
  restoreFrom: { readonly store: S3Store; readonly prefix: string; readonly cluster: string } | null = null,
): Promise<Archiving | null> {
  const systemIdentifier = async () => {
    const control = await readControlData(config.pgdata);
    if (!control) throw new Error(`no pg_control in ${config.pgdata} yet`);
    return control.systemIdentifier;
  };
  const store = backup ? storeOf(backup, deps.secrets) : null;
  const root = async () => {
    if (!backup) throw new Error('this cluster archives no WAL (no backup configured)');
    return archiveRoot(backup.prefix, config.clusterName, await systemIdentifier());
  };
  const server = new WalServer({
    runDir: config.runDir,
    pgdata: config.pgdata,
    spoolDir: SPOOL_DIR,
    // Without `backup`, archive_mode is off: only restore requests come.
    store: store ?? (restoreFrom as { store: S3Store }).store,
    archiveRoot: root,
    // Without `backup` nothing is archived; a restore reads either kind.
    compression: backup?.compression ?? 'gzip',
    ...(restoreFrom ? { restoreFrom: { store: restoreFrom.store, root: async () => archiveRoot(restoreFrom.prefix, restoreFrom.cluster, await systemIdentifier()) } } : {}),
    onResult: (r) => (r.ok ? deps.log.info : deps.log.error)(`wal-${r.verb}`, { file: r.name, result: r.detail }),
  });
  await server.start();
  if (!backup || !store) return null;
  const status = async () => archiveStatus(await server.backlog(), server.stats);
  let lastWarnedAt: number | null = null;
  setInterval(() => {
    void status().then(async (s) => {
      const message = backlogWarning(s, Date.now(), lastWarnedAt);
      if (message === null) return;
      lastWarnedAt = Date.now();
      deps.log.error('wal-archive-backlog', { backlog: s.backlog, error: s.lastFailure?.error });
      await deps.events.record({ name: config.podName }, 'Warning', 'WalArchiveBacklog', message);
    });
  }, CHECK_MS).unref();
  return { status, store, archiveRoot: root };
}

export interface Archiving {
  readonly status: () => Promise<ArchiveStatus>;
  readonly store: S3Store;
  /** `<prefix>/<cluster>/<system identifier>/`, once pg_control can be read. */
  readonly archiveRoot: () => Promise<string>;
}
