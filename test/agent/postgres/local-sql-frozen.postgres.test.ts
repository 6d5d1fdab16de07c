// The agent's SQL probe against a real PostgreSQL whose processes are all stopped (SIGSTOP), as a hung
// database looks: every observation must come back (null) within its bounds instead of stalling the loop,
// the silence clock must count the failures, and the probe must answer again once the server resumes.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PostgresSilenceClock } from '../../../agent/core/postgres-silence';
import { LocalSql } from '../../../agent/postgres/local-sql';
import { describeWithPostgres, PgFixture, type PgServer } from '../../support/pg-fixture';

/** The postmaster (from postmaster.pid) and every process it forked. */
function serverPids(server: PgServer): number[] {
  const postmaster = Number(readFileSync(join(server.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
    } catch {
      return false;
    }
  });
  return [postmaster, ...children.map(Number)];
}

describeWithPostgres('the SQL probe of a frozen PostgreSQL', () => {
  let fixture: PgFixture;
  let primary: PgServer;
  let frozen: number[] = [];

  beforeAll(async () => {
    fixture = await PgFixture.create();
    primary = await fixture.createPrimary('primary');
  }, 60_000);

  afterAll(async () => {
    frozen.forEach((pid) => process.kill(pid, 'SIGCONT'));
    await fixture.cleanup();
  });

  it('returns null on every tick while frozen, and answers again after SIGCONT', async () => {
    const sql = new LocalSql(primary.socketDir, primary.port);
    const clock = new PostgresSilenceClock();
    try {
      expect(await sql.observe()).toMatchObject({ inRecovery: false });
      expect(clock.update('p', true, Date.now())).toBeNull();

      frozen = serverPids(primary);
      frozen.forEach((pid) => process.kill(pid, 'SIGSTOP'));
      const silences = [];
      for (let i = 0; i < 3; i++) {
        expect(await sql.observe()).toBeNull();
        silences.push(clock.update('p', false, Date.now()));
      }
      expect(silences.map((s) => s?.probes)).toEqual([1, 2, 3]);

      frozen.forEach((pid) => process.kill(pid, 'SIGCONT'));
      frozen = [];
      expect(await sql.observe()).toMatchObject({ inRecovery: false });
      expect(clock.update('p', true, Date.now())).toBeNull();
    } finally {
      await sql.close();
    }
  }, 30_000);
});
