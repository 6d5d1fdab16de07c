/**
 * Real PostgreSQL clusters for tests: a primary made by initdb, streaming standbys made by
 * pg_basebackup, promotion, stops of every kind, and cleanup. Everything lives in one temp folder per
 * fixture; servers listen on 127.0.0.1 (a free port each) and on a Unix socket in their own folder.
 *
 * PostgreSQL refuses to run as root, so its programs run as the `postgres` user (spawn with uid/gid);
 * the test process itself stays root and can read every file the servers write.
 *
 * Authentication: Unix-socket connections are trusted (the fixture and tests connect that way, and
 * standbys stream over the socket); TCP connections need scram-sha-256, so a test can prove a password.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/** Where the PostgreSQL programs are; PGHA_PG_BIN points elsewhere to test another major. */
export const PG_BIN = process.env.PGHA_PG_BIN ?? '/usr/lib/postgresql/15/bin';

const SKIP_VARIABLE = 'PGHA_SKIP_PG_TESTS';

/**
 * `describe` for suites that need real PostgreSQL. Without root or the binaries the suite fails with
 * a message saying what is missing, never skips silently; PGHA_SKIP_PG_TESTS=1 skips it on purpose.
 */
export function describeWithPostgres(name: string, body: () => void): void {
  if (process.env[SKIP_VARIABLE] === '1') {
    describe.skip(name, body);
    return;
  }
  const missing = missingPrerequisites();
  if (missing.length > 0) {
    throw new Error(
      `${name}: these tests run real PostgreSQL and cannot here: ${missing.join('; ')}. ` +
        `Set ${SKIP_VARIABLE}=1 to skip them on purpose.`,
    );
  }
  describe(name, body);
}

function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) {
    missing.push('they must run as root (PostgreSQL runs as the postgres user, which only root can switch to)');
  }
  for (const program of ['initdb', 'pg_ctl', 'pg_basebackup', 'postgres']) {
    if (!existsSync(join(PG_BIN, program))) {
      missing.push(`${join(PG_BIN, program)} does not exist (set PGHA_PG_BIN to PostgreSQL's bin folder)`);
    }
  }
  return missing;
}

interface PostgresUser {
  readonly uid: number;
  readonly gid: number;
}

let postgresUser: PostgresUser | undefined;

function lookUpPostgresUser(): PostgresUser {
  postgresUser ??= {
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  };
  return postgresUser;
}

/**
 * Runs a PostgreSQL program as the postgres user and returns its output (stdout and stderr); rejects
 * with the output when it fails, unless `allowFailure` (pg_waldump, for one, always ends with an error).
 */
export function runAsPostgres(program: string, args: readonly string[], options: { allowFailure?: boolean } = {}): Promise<string> {
  const { uid, gid } = lookUpPostgresUser();
  return new Promise((resolve, reject) => {
    const child = spawn(join(PG_BIN, program), args, {
      uid,
      gid,
      env: { PATH: `${PG_BIN}:/usr/bin:/bin`, LANG: 'C.UTF-8', HOME: tmpdir() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 || options.allowFailure
        ? resolve(output)
        : reject(new Error(`${program} ${args.join(' ')} exited with ${code}:\n${output}`)),
    );
  });
}

export interface ServerOptions {
  /** hot_standby: whether this server, as a standby, accepts read-only queries. @default true */
  readonly hotStandby?: boolean;
  /** More postgresql.conf settings, appended last. */
  readonly settings?: Readonly<Record<string, string | number>>;
}

export interface PrimaryOptions extends ServerOptions {
  /** initdb --wal-segsize, in megabytes (a power of 2 from 1 to 1024). @default 16 */
  readonly walSegmentSizeMb?: number;
}

export type StopMode = 'smart' | 'fast' | 'immediate';

/** One temp folder holding any number of servers; cleanup() stops them all and removes it. */
export class PgFixture {
  static async create(): Promise<PgFixture> {
    const root = await mkdtemp(join(tmpdir(), 'pgha-'));
    const { uid, gid } = lookUpPostgresUser();
    await chown(root, uid, gid);
    return new PgFixture(root);
  }

  private readonly servers: PgServer[] = [];
  private clones: Promise<unknown> = Promise.resolve();

  private constructor(readonly root: string) {}

  /** initdb (with data checksums and scram-sha-256 over TCP), then start. */
  async createPrimary(name: string, options: PrimaryOptions = {}): Promise<PgServer> {
    const server = await this.addServer(name);
    await runAsPostgres('initdb', [
      '--pgdata', server.dataDir,
      '--username', 'postgres',
      '--auth-local', 'trust',
      '--auth-host', 'scram-sha-256',
      '--data-checksums',
      '--no-locale',
      '--encoding', 'UTF8',
      '--no-sync',
      '--wal-segsize', String(options.walSegmentSizeMb ?? 16),
    ]);
    await server.configure(options);
    await server.start();
    return server;
  }

  /**
   * pg_basebackup from `primary` (WAL streamed, standby.signal and primary_conninfo written), then start.
   * Clones run one at a time: a clone's checkpoint can remove WAL that another clone still streams.
   * The standby has no replication slot (unlike the agent's), so the primary keeps no WAL for it: a
   * CHECKPOINT on the primary while it lags can remove segments it has yet to receive, and break its stream.
   */
  async createStandby(name: string, primary: PgServer, options: ServerOptions = {}): Promise<PgServer> {
    const server = await this.addServer(name);
    const clone = this.clones.then(() =>
      runAsPostgres('pg_basebackup', [
        '--pgdata', server.dataDir,
        '--host', primary.socketDir,
        '--port', String(primary.port),
        '--username', 'postgres',
        '--wal-method', 'stream',
        '--write-recovery-conf',
        '--checkpoint', 'fast',
        '--no-sync',
      ]),
    );
    this.clones = clone.catch(() => undefined);
    await clone;
    await server.configure(options);
    await server.start();
    return server;
  }

  /**
   * A server whose data directory `fill` makes (a restore: a base backup without WAL, then recovery
   * settings), configured but not started.
   */
  async createUnstarted(name: string, fill: (dataDir: string) => Promise<void>, options: ServerOptions = {}): Promise<PgServer> {
    const server = await this.addServer(name);
    await fill(server.dataDir);
    await server.configure(options);
    return server;
  }

  /** Stops every server that still runs (immediately: the data is thrown away) and deletes the folder. */
  async cleanup(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.stopIfRunning('immediate')));
    await rm(this.root, { recursive: true, force: true });
  }

  private async addServer(name: string): Promise<PgServer> {
    const folder = join(this.root, name);
    const { uid, gid } = lookUpPostgresUser();
    for (const dir of [folder, join(folder, 'socket')]) {
      await mkdir(dir, { mode: 0o700 });
      await chown(dir, uid, gid);
    }
    const server = new PgServer(name, folder, await freePort());
    this.servers.push(server);
    return server;
  }
}

/** One PostgreSQL server of a fixture. */
export class PgServer {
  readonly dataDir: string;
  readonly socketDir: string;
  readonly logFile: string;

  constructor(
    readonly name: string,
    folder: string,
    readonly port: number,
  ) {
    this.dataDir = join(folder, 'data');
    this.socketDir = join(folder, 'socket');
    this.logFile = join(folder, 'postgres.log');
  }

  get walDir(): string {
    return join(this.dataDir, 'pg_wal');
  }

  /** Appends this server's own settings; later lines win, so a cloned primary's port is overridden. */
  async configure(options: ServerOptions): Promise<void> {
    const settings: Record<string, string | number> = {
      // Also the walreceiver's application_name, which names a standby in the primary's pg_stat_replication.
      cluster_name: `'${this.name}'`,
      listen_addresses: "'127.0.0.1'",
      port: this.port,
      unix_socket_directories: `'${this.socketDir}'`,
      wal_level: 'replica',
      max_wal_senders: 10,
      wal_log_hints: 'on',
      hot_standby: options.hotStandby === false ? 'off' : 'on',
      // Tests never survive an OS crash; skipping fsync keeps them fast without changing what
      // PostgreSQL writes or reports (flush positions still advance, the fsync is just a no-op).
      fsync: 'off',
      ...options.settings,
    };
    const lines = Object.entries(settings).map(([key, value]) => `${key} = ${value}`);
    await appendFile(join(this.dataDir, 'postgresql.conf'), `\n${lines.join('\n')}\n`);
  }

  async start(): Promise<void> {
    await runAsPostgres('pg_ctl', ['start', '--pgdata', this.dataDir, '--wait', '--log', this.logFile]);
  }

  async stop(mode: StopMode = 'fast'): Promise<void> {
    await runAsPostgres('pg_ctl', ['stop', '--pgdata', this.dataDir, '--wait', '--mode', mode]);
  }

  async stopIfRunning(mode: StopMode): Promise<void> {
    if (existsSync(join(this.dataDir, 'postmaster.pid'))) {
      await this.stop(mode).catch(() => undefined);
    }
  }

  /** pg_ctl promote, waiting until the server accepts writes. */
  async promote(): Promise<void> {
    await runAsPostgres('pg_ctl', ['promote', '--pgdata', this.dataDir, '--wait']);
  }

  /** A connection over the Unix socket as postgres (trusted); the caller ends it. */
  async connect(): Promise<Client> {
    const client = new Client({ host: this.socketDir, port: this.port, user: 'postgres', database: 'postgres' });
    await client.connect();
    return client;
  }

  /** Runs one statement on a fresh connection and returns its rows. */
  async query<Row extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<Row[]> {
    const client = await this.connect();
    try {
      return (await client.query<Row>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  /** The first column of the first row of a query. */
  async queryValue<Value>(sql: string, params: unknown[] = []): Promise<Value> {
    const [row] = await this.query(sql, params);
    return Object.values(row)[0] as Value;
  }

  /**
   * Commits a transaction that has an xid, so that PostgreSQL flushes all WAL inserted before it. Records
   * outside transactions (hint-bit full-page images, with checksums or wal_log_hints) are otherwise
   * flushed only a whole page at a time, which can leave the flush position inside a record.
   */
  async flushWal(): Promise<void> {
    await this.query('SELECT pg_current_xact_id()');
  }

  /** Polls `sql` until it returns true (a boolean first column), or fails after `timeoutMs`. */
  async waitUntil(sql: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.queryValue<boolean>(sql))) {
      if (Date.now() > deadline) {
        throw new Error(`${this.name}: still false after ${timeoutMs} ms: ${sql}\n${await this.log()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The server's log so far (for failure messages). */
  async log(): Promise<string> {
    return readFile(this.logFile, 'utf8').catch(() => '(no log)');
  }
}

/**
 * Keeps `clients` sessions inserting rows until the returned stop() is called. The rows are about
 * 10 kB of random hex, so many records span WAL pages (and some span segments). Errors after the
 * server went away are expected and swallowed: the point is to have writes in flight when it stops.
 */
export async function startWriteLoad(server: PgServer, clients = 4): Promise<{ stop(): Promise<void> }> {
  await server.query('CREATE TABLE IF NOT EXISTS write_load (id bigserial PRIMARY KEY, payload text)');
  let running = true;
  const loops: Promise<void>[] = [];
  for (let i = 0; i < clients; i++) {
    const client = await server.connect();
    client.on('error', () => undefined);
    loops.push(
      (async () => {
        while (running) {
          await client.query(
            "INSERT INTO write_load (payload) SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 300)",
          );
        }
      })()
        .catch(() => undefined)
        .finally(() => client.end().catch(() => undefined)),
    );
  }
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
