// A postmaster that ends without being asked (here SIGKILL, as the kernel's OOM killer or kill -9 ends
// it): the supervisor counts the exit and keeps its status, which the agent turns into a PostgresExited
// Event. A stand-in `postgres` first on PATH plays the postmaster: it answers `-V` and otherwise writes
// its pid file and sleeps, which is all the supervisor looks at.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SupervisorClient, sleep, type SupervisorState } from '../../../agent/postgres/supervisor-client';

const script = join(__dirname, '..', '..', '..', 'agent', 'supervisor.sh');
const FAKE_POSTGRES = `#!/bin/bash
[ "$1" = -V ] && { echo 'postgres (PostgreSQL) 15.0'; exit 0; }
echo $$ > "$PGDATA/postmaster.pid"
exec sleep 600
`;

let dir: string;
let supervisor: ChildProcess;
let client: SupervisorClient;

async function stateWhere(test: (s: SupervisorState) => boolean): Promise<SupervisorState> {
  for (let i = 0; i < 300; i++) {
    const state = await client.readState();
    if (state && test(state)) return state;
    await sleep(10);
  }
  throw new Error(`no such state; last: ${JSON.stringify(await client.readState())}`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pgha-supervisor-exits-'));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'postgres'), FAKE_POSTGRES);
  chmodSync(join(dir, 'bin', 'postgres'), 0o755);
  mkdirSync(join(dir, 'pgdata'));
  writeFileSync(join(dir, 'pgdata', 'PG_VERSION'), '15\n');
  supervisor = spawn('bash', [script], {
    env: { PATH: `${join(dir, 'bin')}:${process.env.PATH}`, PGDATA: join(dir, 'pgdata'), PGHA_RUN_DIR: join(dir, 'run'), PGHA_CONFIG_FILE: join(dir, 'postgresql.conf'), PGHA_SUPERVISOR_POLL_SECONDS: '0.01', PGHA_CGROUP_DIR: join(dir, 'cgroup') },
    stdio: 'ignore',
  });
  client = new SupervisorClient(join(dir, 'run'));
  await stateWhere(() => true);
});

afterAll(async () => {
  const exited = new Promise((resolve) => supervisor.once('exit', resolve));
  supervisor.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
});

it('counts a postmaster killed without being asked, with its exit status (137: SIGKILL)', async () => {
  expect((await client.readState())?.postgres).toMatchObject({ exits: 0, lastExit: 0 });
  expect(await client.run('start-standby')).toMatchObject({ ok: true });
  process.kill(Number(readFileSync(join(dir, 'pgdata', 'postmaster.pid'), 'utf8')), 'SIGKILL');
  expect((await stateWhere((s) => s.postgres.status === 'exited')).postgres).toMatchObject({ mode: 'standby', exits: 1, lastExit: 137 });
});
