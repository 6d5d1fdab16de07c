/**
 * A member bootstrapping from a backup as in a pod, for tests and benches: agent/supervisor.sh (as the
 * postgres user, PG_BIN first on PATH) with a config that includes dynamic.conf and archives through
 * wal.sh, a WalServer that archives to `cluster`'s own root and restores from `source`'s, and the agent's
 * RestoreRunner driving them. The folder's parent must be owned by the postgres user (a PgFixture root).
 */
import { statSync } from 'node:fs';
import { chown, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { Client } from 'pg';
import { archiveRoot } from '../../agent/backup/layout';
import type { RecoveryTarget } from '../../agent/backup/recovery-target';
import { RestoreRunner, type RestoreResult } from '../../agent/backup/restore';
import type { S3Store } from '../../agent/backup/s3';
import { WalServer } from '../../agent/backup/wal-server';
import { DynamicConfFile } from '../../agent/postgres/dynamic-conf';
import { readControlData } from '../../agent/postgres/pg-control';
import { startSupervisor } from './supervisor-process';
import { walScript } from './wal-script';

const WAL_SH = walScript();

export interface RestoringMemberOptions {
  /** The member's own folder (created); its parent is owned by the postgres user. */
  readonly folder: string;
  readonly name: string;
  readonly store: S3Store;
  readonly bucket: string;
  readonly prefix: string;
  /** The cluster it becomes (where it archives). */
  readonly cluster: string;
  /** The cluster it restores from. */
  readonly source: string;
  readonly sourceSystemIdentifier?: string | null;
  readonly target: RecoveryTarget;
  /**
   * The base backup's download arrives in pieces of this many bytes, a timer tick apart, as from a slow
   * store: the supervisor's tar then reads the FIFO while it holds less than a record.
   */
  readonly downloadPieceBytes?: number;
  /** Stops what it started, in reverse order, when the caller runs them. */
  readonly cleanups: Array<() => Promise<void> | void>;
}

/** Starts the member; `run()` restores, `query()` asks the restored PostgreSQL over its socket. */
export async function startRestoringMember(o: RestoringMemberOptions) {
  const { name, store, cluster, source, target, cleanups } = o;
  const owner = () => statSync(dirname(o.folder));
  const ownedDir = async (path: string) => {
    await mkdir(path, { recursive: true });
    await chown(path, owner().uid, owner().gid);
    return path;
  };
  const base = await ownedDir(o.folder);
  const runDir = await ownedDir(join(base, 'run'));
  await ownedDir(join(runDir, 'wal'));
  const tmp = await ownedDir(join(base, 'tmp'));
  await ownedDir(join(tmp, 'pgha-wal'));
  const pgdata = join(base, 'data', 'pgdata');
  await ownedDir(join(base, 'data'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const configFile = join(base, 'postgresql.conf');
  await writeFile(configFile, [
    `port = ${port}`,
    "listen_addresses = ''",
    `unix_socket_directories = '${runDir}/socket'`,
    'wal_level = replica',
    'hot_standby = on',
    'fsync = off',
    // Timestamps and checkpoints in the log: bench/restore-throughput.ts reads where recovery's time goes.
    "log_line_prefix = '%m '",
    'log_checkpoints = on',
    'archive_mode = always',
    `archive_command = '/bin/bash ${WAL_SH} archive %p %f'`,
    `include_if_exists = '${runDir}/dynamic.conf'`,
    '',
  ].join('\n'));
  // Started first, so it is stopped last: a shutting-down PostgreSQL still archives through it.
  const wal = new WalServer({
    runDir,
    spoolDir: join(tmp, 'pgha-wal'),
    pgdata,
    store,
    archiveRoot: async () => archiveRoot(o.prefix, cluster, (await readControlData(pgdata))!.systemIdentifier),
    compression: 'gzip',
    restoreFrom: { store, root: async () => archiveRoot(o.prefix, source, (await readControlData(pgdata))!.systemIdentifier) },
  });
  await wal.start();
  cleanups.push(() => wal.stop());
  const { client, log } = await startSupervisor({ uid: owner().uid, gid: owner().gid, pgdata, runDir, configFile, cleanups });
  // The agent's lease renewals keep the heartbeat ahead; here nothing takes the lease from this member.
  await client.writeHeartbeat(Date.now() + 3_600_000);

  const connect = async (): Promise<Client> => {
    const sql = new Client({ host: join(runDir, 'socket'), port, user: 'postgres', database: 'postgres' });
    // A server that exits while connected also makes the client emit 'error' (besides the query's
    // rejection, handled where it is asked); with no listener that is an unhandled error failing the
    // test (seen once under load, in the unreachable-target restore, where PostgreSQL stops by design).
    sql.on('error', () => undefined);
    await sql.connect();
    return sql;
  };
  const dynamic = new DynamicConfFile(runDir);
  const progress: string[] = [];
  const pieces = o.downloadPieceBytes;
  const sourceStore = pieces
    ? {
        folders: (prefix: string) => store.folders(prefix),
        list: (prefix: string) => store.list(prefix),
        get: (key: string) => store.get(key),
        stream: async (key: string) => {
          const body = await store.stream(key);
          return body && Readable.from(inPieces(body, pieces));
        },
      }
    : store;
  const runner = new RestoreRunner({
    source: { store: sourceStore, prefix: o.prefix, cluster: source, systemIdentifier: o.sourceSystemIdentifier ?? null, bucket: o.bucket },
    target,
    supervisor: {
      // In a pod both containers run as uid 999; here the runner is root, so its FIFO is handed over.
      run: async (verb, ...args) => {
        if (verb === 'unpack') await chown(args[0], owner().uid, owner().gid);
        return client.run(verb, ...args);
      },
      readState: () => client.readState(),
    },
    writeRecoveryConf: (recovery) => dynamic.write({ upstreamHost: null, upstreamPort: port, applicationName: name, passfile: '', sync: { k: 0, members: [] }, recovery }),
    startPostgres: () => client.run('start-primary'),
    inRecovery: async () => {
      const sql = await connect().catch(() => null);
      if (!sql) return null;
      // As the agent's (runtime/restore-steps.ts): a server that exits mid-query answers nothing (null),
      // and the runner then reads why from the supervisor. Thrown, the EPIPE would be the restore's reason.
      try {
        return (await sql.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0].r;
      } catch {
        return null;
      } finally {
        await sql.end().catch(() => undefined);
      }
    },
    spoolDir: tmp,
    restoreCommand: `/bin/bash ${WAL_SH} restore %p %f`,
    progress: (detail) => progress.push(detail),
    now: Date.now,
  });
  const query = async <Row extends Record<string, unknown>>(text: string): Promise<Row[]> => {
    const sql = await connect();
    try {
      return (await sql.query<Row>(text)).rows;
    } finally {
      await sql.end();
    }
  };
  const run = async (): Promise<RestoreResult> => runner.run();
  return { run, query, pgdata, client, progress, log };
}

async function* inPieces(body: AsyncIterable<Buffer>, bytes: number): AsyncGenerator<Buffer> {
  for await (const chunk of body) {
    for (let at = 0; at < chunk.length; at += bytes) {
      yield chunk.subarray(at, at + bytes);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
}
