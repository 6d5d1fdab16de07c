/**
 * agent/supervisor.sh as in a pod's postgres container, for tests and benches: run as the postgres user
 * with PG_BIN first on PATH, its output kept for a failing test's message, stopped (SIGTERM, then waited
 * for) by the cleanup it adds.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { SupervisorClient, sleep } from '../../agent/postgres/supervisor-client';
import { PG_BIN } from './pg-fixture';

const SUPERVISOR_SH = join(__dirname, '../../agent/supervisor.sh');

export interface SupervisorOptions {
  readonly uid: number;
  readonly gid: number;
  readonly pgdata: string;
  readonly runDir: string;
  /** PGHA_CONFIG_FILE: the postgresql.conf it starts PostgreSQL with (`/dev/null` when it never does). */
  readonly configFile: string;
  /** PGPORT, for the programs it runs against a server it did not start. */
  readonly port?: number;
  readonly cleanups: Array<() => Promise<void> | void>;
}

/** Resolves once the supervisor has written its first state. */
export async function startSupervisor(o: SupervisorOptions): Promise<{ readonly client: SupervisorClient; log(): string }> {
  const supervisor = spawn('bash', [SUPERVISOR_SH], {
    uid: o.uid,
    gid: o.gid,
    env: {
      PATH: `${PG_BIN}:/usr/bin:/bin`,
      LANG: 'C.UTF-8',
      PGDATA: o.pgdata,
      PGHA_RUN_DIR: o.runDir,
      PGHA_CONFIG_FILE: o.configFile,
      ...(o.port ? { PGPORT: String(o.port) } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  supervisor.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  supervisor.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  o.cleanups.push(async () => {
    if (supervisor.exitCode !== null || supervisor.signalCode !== null) return;
    const exited = new Promise((resolve) => supervisor.once('exit', resolve));
    supervisor.kill('SIGTERM');
    await exited;
  });
  const client = new SupervisorClient(o.runDir);
  for (let i = 0; i < 500 && !(await client.readState()); i++) await sleep(10);
  return { client, log: () => log };
}
