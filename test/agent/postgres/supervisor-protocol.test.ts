// The FIFO protocol between the agent and agent/supervisor.sh: every command gets its own answer, even
// when lines arrive while the supervisor's wait times out (a 5 ms poll makes that happen constantly).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SupervisorClient, sleep } from '../../../agent/postgres/supervisor-client';

const script = join(__dirname, '..', '..', '..', 'agent', 'supervisor.sh');
/** The binaries the supervisor finds first on PATH, as `postgres` is on the official image's. */
const BINARIES = '/usr/lib/postgresql/15/bin';

describe('supervisor protocol', () => {
  let dir: string;
  let supervisor: ChildProcess;
  let client: SupervisorClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pgha-supervisor-'));
    mkdirSync(join(dir, 'cgroup', 'memory'), { recursive: true });
    writeFileSync(join(dir, 'cgroup', 'memory', 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n');
    supervisor = spawn('bash', [script], {
      env: { PATH: `${BINARIES}:${process.env.PATH}`, PGDATA: join(dir, 'pgdata'), PGHA_RUN_DIR: join(dir, 'run'), PGHA_CONFIG_FILE: join(dir, 'postgresql.conf'), PGHA_SUPERVISOR_POLL_SECONDS: '0.005', PGHA_CGROUP_DIR: join(dir, 'cgroup') },
      stdio: 'ignore',
    });
    client = new SupervisorClient(join(dir, 'run'));
    for (let i = 0; i < 200 && !(await client.readState()); i++) await sleep(10);
  });

  afterAll(async () => {
    if (supervisor.exitCode === null && supervisor.signalCode === null) {
      const exited = new Promise((resolve) => supervisor.once('exit', resolve));
      supervisor.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every one of many commands, sent one after another and concurrently', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 150; i++) answers.push((await client.run('reload')).message);
    const concurrent = await Promise.all(Array.from({ length: 50 }, () => new SupervisorClient(join(dir, 'run')).run('reload')));
    answers.push(...concurrent.map((a) => a.message));
    expect(answers).toEqual(Array(200).fill('postgres is not running'));
  }, 60_000);

  it('waits for the answer on the monotonic clock: a wall clock stepped 10 minutes ahead does not cut the wait short', async () => {
    const wall = Date.now();
    jest.spyOn(Date, 'now').mockReturnValueOnce(wall).mockReturnValue(wall + 600_000);
    try {
      await expect(client.run('reload')).resolves.toEqual({ ok: false, message: 'postgres is not running' });
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('refuses to start PostgreSQL without a data directory', async () => {
    expect(await client.run('start-primary')).toEqual({ ok: false, message: `no data directory at ${join(dir, 'pgdata')}` });
  });

  it('reports the major version of its binaries', async () => {
    expect((await client.readState())?.major).toBe('15');
  });

  it('fails to start PostgreSQL on data of another major version, naming both', async () => {
    mkdirSync(join(dir, 'pgdata'), { recursive: true });
    writeFileSync(join(dir, 'pgdata', 'PG_VERSION'), '14\n');
    expect(await client.run('start-standby')).toEqual({ ok: false, message: 'refusing to start: the data directory is PostgreSQL 14, these binaries are PostgreSQL 15' });
    expect((await client.readState())?.postgres.status).toBe('stopped');
  });

  it('reports how many processes of its container the kernel\'s OOM killer ended (cgroup v1 memory.oom_control)', async () => {
    expect((await client.readState())?.oomKills).toBe(0);
    writeFileSync(join(dir, 'cgroup', 'memory', 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
    let state = await client.readState();
    for (let i = 0; i < 200 && state?.oomKills !== 2; i++) {
      await sleep(10);
      state = await client.readState();
    }
    expect(state?.oomKills).toBe(2);
  });

  it('writes a last state marked not alive when it exits on SIGTERM', async () => {
    const exited = new Promise((resolve) => supervisor.once('exit', resolve));
    supervisor.kill('SIGTERM');
    await exited;
    expect((await client.readState())?.alive).toBe(false);
    expect(await client.run('reload')).toEqual({ ok: false, message: 'the supervisor is not running' });
  });
});
