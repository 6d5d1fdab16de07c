// The supervisor's `unpack` of base.tar.zst (agent/supervisor.sh): through the image's zstd program, as
// base.tar.gz goes through gzip; a postgres image without zstd gets a message naming what is missing,
// not tar's. (Restores of base.tar.zst end to end: zstd.postgres.node24.test.ts.)
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SupervisorClient, sleep } from '../../../agent/postgres/supervisor-client';

const script = join(__dirname, '..', '..', '..', 'agent', 'supervisor.sh');
const BINARIES = '/usr/lib/postgresql/15/bin';

describe('supervisor unpack of base.tar.zst', () => {
  let dir: string;
  const supervisors: ChildProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgha-unpack-'));
    mkdirSync(join(dir, 'cgroup', 'memory'), { recursive: true });
    writeFileSync(join(dir, 'cgroup', 'memory', 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n');
    // A small tar.zst made by the zstd program, as the agent's node:zlib frames are read by it (zstd.node24.test.ts).
    mkdirSync(join(dir, 'src', 'global'), { recursive: true });
    writeFileSync(join(dir, 'src', 'PG_VERSION'), '15\n');
    writeFileSync(join(dir, 'src', 'global', 'pg_control'), 'control');
    execFileSync('tar', ['--zstd', '-cf', join(dir, 'pgha-restore-1.base.tar.zst'), '-C', join(dir, 'src'), '.']);
  });

  afterEach(async () => {
    for (const supervisor of supervisors.splice(0)) {
      if (supervisor.exitCode !== null || supervisor.signalCode !== null) continue;
      const exited = new Promise((resolve) => supervisor.once('exit', resolve));
      supervisor.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(path: string): Promise<SupervisorClient> {
    const supervisor = spawn('bash', [script], {
      env: { PATH: path, PGDATA: join(dir, 'pgdata'), PGHA_RUN_DIR: join(dir, 'run'), PGHA_CONFIG_FILE: join(dir, 'postgresql.conf'), PGHA_CGROUP_DIR: join(dir, 'cgroup') },
      stdio: 'ignore',
    });
    supervisors.push(supervisor);
    const client = new SupervisorClient(join(dir, 'run'));
    for (let i = 0; i < 500 && !(await client.readState()); i++) await sleep(10);
    return client;
  }

  test('extracts it through zstd into the folder beside PGDATA', async () => {
    const client = await start(`${BINARIES}:/usr/bin:/bin`);
    const archive = join(dir, 'pgha-restore-1.base.tar.zst');
    expect(await client.run('unpack', archive)).toEqual({ ok: true, message: `unpacked ${archive}` });
    expect(readFileSync(join(dir, 'pgdata.restore', 'PG_VERSION'), 'utf8')).toBe('15\n');
    expect(readFileSync(join(dir, 'pgdata.restore', 'global', 'pg_control'), 'utf8')).toBe('control');
  });

  test('without a zstd program, fails saying so, and leaves nothing beside PGDATA', async () => {
    // Every program of /usr/bin and /bin but zstd (and its aliases).
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    for (const from of ['/usr/bin', '/bin']) {
      for (const name of readdirSync(from)) {
        if (/zstd|zstdmt|unzstd|zstdcat/.test(name) || existsSync(join(bin, name))) continue;
        symlinkSync(join(from, name), join(bin, name));
      }
    }
    const path = `${BINARIES}:${bin}`;
    expect(execFileSync('bash', ['-c', 'command -v zstd || echo none'], { env: { PATH: path } }).toString().trim()).toBe('none');
    const client = await start(path);
    const archive = join(dir, 'pgha-restore-1.base.tar.zst');
    expect(await client.run('unpack', archive)).toEqual({ ok: false, message: `unpacking ${archive} needs the zstd program, which this postgres image does not have (PATH=${path})` });
    expect(existsSync(join(dir, 'pgdata.restore'))).toBe(false);
  });
});
