/**
 * A member of a cluster with `backup`, as in a pod, for tests and benches: a PgFixture PostgreSQL that
 * archives through wal.sh to the agent's WalServer under `<prefix>/<cluster>/<system identifier>/`, with
 * agent/supervisor.sh beside it, so its base backups are the agent's own (agent/backup/base-backup.ts:
 * pg_basebackup into the supervisor's FIFO, the tar filter and manifest check, gzip, the multipart
 * upload, backup.json last). There is no second way of writing a backup for a restore to read.
 */
import { statSync } from 'node:fs';
import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SupervisorBackupSource } from '../../agent/backup/backup-source';
import type { BaseBackupRecord } from '../../agent/backup/backup-record';
import { takeBaseBackup, type BaseBackupDeps } from '../../agent/backup/base-backup';
import { archiveRoot, type Compression } from '../../agent/backup/layout';
import type { S3Store } from '../../agent/backup/s3';
import { WalServer } from '../../agent/backup/wal-server';
import { readControlData } from '../../agent/postgres/pg-control';
import type { PgFixture, PgServer } from './pg-fixture';
import { startSupervisor } from './supervisor-process';
import { walScript } from './wal-script';

export interface ArchivingMemberOptions {
  /** Its root (owned by the postgres user) holds the member's folders. */
  readonly fixture: PgFixture;
  readonly name: string;
  readonly store: S3Store;
  readonly prefix: string;
  readonly cluster: string;
  /** Creates the server with these postgresql.conf settings (`fixture.createPrimary` or `createStandby`). */
  readonly make: (settings: Record<string, string>) => Promise<PgServer>;
  /** How WAL files and base backups are written (PGHA_BACKUP_COMPRESSION); gzip when not given. */
  readonly compression?: Compression;
  /** Settings of the test's own (wal_keep_size, max_wal_size). */
  readonly settings?: Readonly<Record<string, string>>;
  /** Stops what it started, in reverse order, when the caller runs them. */
  readonly cleanups: Array<() => Promise<void> | void>;
}

export interface ArchivingMember {
  readonly server: PgServer;
  /** `<prefix>/<cluster>/<system identifier>/`. */
  readonly root: string;
  /** A base backup taken by the agent's code through this member's supervisor; `deps` replace the store, the part size or the compression. */
  backup(deps?: Partial<Pick<BaseBackupDeps, 'store' | 'firstPartBytes' | 'compression'>>): Promise<BaseBackupRecord>;
  /**
   * The agent restarted with another PGHA_BACKUP_COMPRESSION (a user changed the setting): WAL archived
   * from now on, and the backups taken, use it. Call it while nothing waits to be archived.
   */
  changeCompression(compression: Compression): Promise<void>;
}

export async function startArchivingMember(o: ArchivingMemberOptions): Promise<ArchivingMember> {
  const { uid, gid } = statSync(o.fixture.root);
  const runDir = join(o.fixture.root, `${o.name}-run`);
  const spoolDir = join(o.fixture.root, `${o.name}-spool`);
  for (const dir of [runDir, join(runDir, 'socket'), join(runDir, 'wal'), spoolDir]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chown(dir, uid, gid);
  }
  const server = await o.make({
    ...o.settings,
    // The pod's socket is in the run folder: the supervisor's pg_basebackup reaches PostgreSQL there.
    unix_socket_directories: `'${join(o.fixture.root, o.name, 'socket')},${join(runDir, 'socket')}'`,
    archive_mode: 'always',
    archive_command: `'PGHA_RUN_DIR=${runDir} /bin/bash ${walScript()} archive %p %f'`,
  });
  const root = archiveRoot(o.prefix, o.cluster, (await readControlData(server.dataDir))!.systemIdentifier);
  let compression = o.compression ?? 'gzip';
  let wal = new WalServer({ runDir, spoolDir, pgdata: server.dataDir, store: o.store, archiveRoot: async () => root, compression });
  await wal.start();
  o.cleanups.push(() => wal.stop());
  const { client } = await startSupervisor({ uid, gid, pgdata: server.dataDir, runDir, configFile: '/dev/null', port: server.port, cleanups: o.cleanups });
  return {
    server,
    root,
    backup: (deps = {}) =>
      takeBaseBackup({
        store: o.store,
        source: new SupervisorBackupSource(client, runDir),
        archiveRoot: async () => root,
        cluster: o.cluster,
        member: o.name,
        pgdata: server.dataDir,
        compression,
        ...deps,
      }),
    changeCompression: async (next) => {
      wal.stop();
      compression = next;
      wal = new WalServer({ runDir, spoolDir, pgdata: server.dataDir, store: o.store, archiveRoot: async () => root, compression });
      await wal.start();
    },
  };
}
