/**
 * Load beside the writer: PostgreSQL's own pgbench (TPC-B-like, the host's binary) through Service
 * `<name>`, with as many clients as the machine sustains. pgbench gives up a client whose connection
 * broke and never reconnects, so it runs in short rounds (`-T`), each a fresh start; the transactions
 * pgbench reports as processed are the acknowledged ones. Every TPC-B transaction inserts exactly one row
 * into pgbench_history, so acknowledged transactions missing from the table after a fault are lost ones.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import type { Credentials, HostPort } from '../support/postgres-client';

/** Short enough that a stop waits little, long enough that connecting is a small part of a round. */
const ROUND_SECONDS = 5;
const PROCESSED = /number of transactions actually processed: (\d+)/;
/**
 * pgbench's database argument, as a connection string: a statement whose server vanished (its pod's
 * address gone with a lost node, so nothing ever answers, not even a reset) fails once its data is
 * unacknowledged for 5 s (tcp_user_timeout), and an idle connection once keepalives go unanswered. Without
 * them pgbench's -T does not interrupt the wait, and a round hung for TCP's whole retry time (~15 min).
 */
const CONNECTION = 'dbname=postgres tcp_user_timeout=5000 keepalives_idle=2 keepalives_interval=1 keepalives_count=3';

export interface PgbenchTotals {
  /** Transactions pgbench reported as processed (acknowledged commits). */
  readonly transactions: number;
  readonly rounds: number;
  /** Rounds in which pgbench lost a client (a broken connection, a refused write). */
  readonly abortedRounds: number;
  readonly seconds: number;
}

/** The host's pgbench, from the newest PostgreSQL installed under /usr/lib/postgresql. */
export function pgbenchBinary(root = '/usr/lib/postgresql'): string {
  const majors = existsSync(root) ? readdirSync(root).filter((d) => existsSync(`${root}/${d}/bin/pgbench`)).sort((a, b) => Number(b) - Number(a)) : [];
  if (majors.length === 0) throw new Error(`no pgbench under ${root}/*/bin (Debian: apt-get install postgresql-15)`);
  return `${root}/${majors[0]}/bin/pgbench`;
}

function environment(service: HostPort, credentials: Credentials): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PGHOST: service.host,
    PGPORT: String(service.port),
    PGUSER: credentials.user,
    PGDATABASE: 'postgres',
    PGPASSWORD: credentials.password,
    PGSSLMODE: 'require',
    PGCONNECT_TIMEOUT: '2',
  };
}

/** `pgbench -i` (scale 1: 100,000 accounts), once per database. */
export function initializePgbench(service: HostPort, credentials: Credentials): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(pgbenchBinary(), ['-i', '-s', '1', '-q'], { env: environment(service, credentials), timeout: 120_000 }, (error, _stdout, stderr) => (error ? reject(new Error(`pgbench -i: ${stderr.trim() || error.message}`)) : resolve()));
  });
}

/** Parses one round's report; 0 when pgbench died before printing one. */
export function processedTransactions(output: string): number {
  return Number(PROCESSED.exec(output)?.[1] ?? 0);
}

export class PgbenchLoad {
  private stopped = false;
  private readonly done: Promise<PgbenchTotals>;
  private readonly binary = pgbenchBinary();

  constructor(private readonly service: HostPort, private readonly credentials: Credentials, private readonly clients = 4) {
    this.done = this.run();
  }

  /** Waits for the current round to end (at most ROUND_SECONDS) and returns the totals. */
  stop(): Promise<PgbenchTotals> {
    this.stopped = true;
    return this.done;
  }

  private async run(): Promise<PgbenchTotals> {
    const started = Date.now();
    let transactions = 0;
    let rounds = 0;
    let abortedRounds = 0;
    while (!this.stopped) {
      const { code, output } = await this.round();
      transactions += processedTransactions(output);
      rounds++;
      if (code !== 0) {
        abortedRounds++;
        // A failed start (no endpoint, refused) returns at once: not faster than the writer's own pace.
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    return { transactions, rounds, abortedRounds, seconds: (Date.now() - started) / 1000 };
  }

  private round(): Promise<{ code: number; output: string }> {
    return new Promise((resolve) => {
      const args = ['-n', '-c', String(this.clients), '-j', '2', '-T', String(ROUND_SECONDS), CONNECTION];
      const child = spawn(this.binary, args, { env: environment(this.service, this.credentials), stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', (error) => resolve({ code: 1, output: `${output}\n${error.message}` }));
      child.on('close', (code) => resolve({ code: code ?? 1, output }));
    });
  }
}
