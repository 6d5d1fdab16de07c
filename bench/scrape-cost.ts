/**
 * What a /metrics scrape costs: `npm run bench:metrics [-- --scrapes 200] [--tables 0] [--concurrent 50]`.
 *
 * Runs the agent's own collection (agent/postgres/stats-reader.ts, the same SQL and limits) against a
 * real primary (archiving, one physical slot) with a hot standby streaming from it (test/support/pg-fixture,
 * PGHA_PG_BIN picks the major), and prints per scrape: the wall time of the collection, the CPU time the
 * PostgreSQL backend serving it spent (from /proc/<pid>/stat, so the queries' load on the server), the
 * agent's CPU time for collecting and rendering, and the size of the exposition. `--tables N` first
 * creates N tables, because pg_database_size() stats every file of a database. Then N concurrent
 * scrapes, to show that they cost one collection. Figures are printed, never asserted.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { renderMetrics } from '../agent/http/metrics';
import { postgresFamilies } from '../agent/http/postgres-metrics';
import { PostgresScraper } from '../agent/http/postgres-scrape';
import { PostgresStatsReader, STATS_APPLICATION_NAME } from '../agent/postgres/stats-reader';
import { PG_BIN, PgFixture, type PgServer } from '../test/support/pg-fixture';

interface Options {
  readonly scrapes: number;
  readonly tables: number;
  readonly concurrent: number;
}

function parseOptions(argv: readonly string[]): Options {
  const options = { scrapes: 200, tables: 0, concurrent: 50 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    const value = Number(argv[i + 1]);
    if (!(key in options) || !Number.isInteger(value) || value < 0) {
      throw new Error(`usage: npm run bench:metrics -- [--scrapes N] [--tables N] [--concurrent N]; got ${argv[i]} ${argv[i + 1] ?? ''}`);
    }
    options[key as keyof Options] = value;
  }
  return options;
}

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** user + system CPU of a process, in milliseconds (/proc/<pid>/stat fields 14 and 15). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

interface Row {
  readonly target: string;
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly serverCpuMs: number;
  readonly agentCpuMs: number;
  readonly samples: number;
  readonly bytes: number;
}

async function measure(target: string, server: PgServer, scrapes: number): Promise<Row> {
  const reader = new PostgresStatsReader(server.socketDir, server.port);
  try {
    await reader.read();
    const pid = Number(await server.queryValue('select pid from pg_stat_activity where application_name = $1', [STATS_APPLICATION_NAME]));
    let text = '';
    const times: number[] = [];
    const serverBefore = processCpuMs(pid);
    const agentBefore = process.cpuUsage();
    for (let i = 0; i < scrapes; i++) {
      const started = performance.now();
      const stats = await reader.read();
      text = renderMetrics('bench-0', postgresFamilies({ up: true, sqlAvailable: true, durationSeconds: 0, errors: 0, stats, warm: null }));
      times.push(performance.now() - started);
    }
    const agent = process.cpuUsage(agentBefore);
    const serverCpu = processCpuMs(pid) - serverBefore;
    times.sort((a, b) => a - b);
    return {
      target,
      medianMs: quantile(times, 0.5),
      p95Ms: quantile(times, 0.95),
      serverCpuMs: serverCpu / scrapes,
      agentCpuMs: (agent.user + agent.system) / 1000 / scrapes,
      samples: text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length,
      bytes: Buffer.byteLength(text),
    };
  } finally {
    reader.close();
  }
}

/** N scrapes at once: how many collections they cost, and how long the last one waited. */
async function concurrent(server: PgServer, n: number): Promise<{ reads: number; ms: number }> {
  const reader = new PostgresStatsReader(server.socketDir, server.port);
  let reads = 0;
  const scraper = new PostgresScraper({
    now: () => performance.now(),
    standbyMode: 'hot',
    supervisor: async () => ({ postgres: 'running', mode: 'primary' }),
    controlState: async () => null,
    observation: () => null,
    stats: { read: () => (reads++, reader.read()), close: () => reader.close() },
    log: { info: () => undefined, error: () => undefined },
  });
  const started = performance.now();
  await Promise.all(Array.from({ length: n }, () => scraper.scrape()));
  const ms = performance.now() - started;
  reader.close();
  return { reads, ms };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const fixture = await PgFixture.create();
  try {
    const primary = await fixture.createPrimary('primary', { settings: { archive_mode: 'on', archive_command: "'true'" } });
    await primary.query("select pg_create_physical_replication_slot('kept', true)");
    const standby = await fixture.createStandby('standby', primary);
    await primary.waitUntil("select count(*) = 1 from pg_stat_replication where state = 'streaming'");
    if (options.tables > 0) {
      await primary.query(`do $$ begin for i in 1..${options.tables} loop execute format('create table t%s (id int primary key, v text)', i); end loop; end $$`);
      await primary.flushWal();
    }
    const version = await primary.queryValue<string>('show server_version');
    const rows = [await measure('primary', primary, options.scrapes), await measure('hot standby', standby, options.scrapes)];
    const together = await concurrent(primary, options.concurrent);

    const fixed = (n: number) => n.toFixed(2);
    console.log(`PostgreSQL ${version} (${PG_BIN}), ${options.scrapes} sequential scrapes each, ${options.tables} extra tables`);
    console.log('| target | median | p95 | server CPU / scrape | agent CPU / scrape | samples | bytes |');
    console.log('|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(`| ${r.target} | ${fixed(r.medianMs)} ms | ${fixed(r.p95Ms)} ms | ${fixed(r.serverCpuMs)} ms | ${fixed(r.agentCpuMs)} ms | ${r.samples} | ${r.bytes} |`);
    }
    console.log(`${options.concurrent} concurrent scrapes of the primary: ${together.reads} collection(s), all answered in ${fixed(together.ms)} ms`);
  } finally {
    await fixture.cleanup();
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
