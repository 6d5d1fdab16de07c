import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SupervisorClient, sleep } from '../../../agent/postgres/supervisor-client';
import { SupervisorWatch } from '../../../agent/postgres/supervisor-watch';

const state = (status: string, seq: number) =>
  JSON.stringify({ boot: 'b1', seq, alive: true, postgres: { status, mode: 'primary', pid: 0 }, command: { id: '', verb: '', status: '', message: '' } });

describe('SupervisorWatch', () => {
  it('wakes the loop when PostgreSQL’s status changes, not on every state write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgha-watch-'));
    const write = (text: string) => {
      writeFileSync(join(dir, 'supervisor.json.tmp'), text);
      renameSync(join(dir, 'supervisor.json.tmp'), join(dir, 'supervisor.json'));
    };
    write(state('running', 1));
    let wakes = 0;
    const watch = new SupervisorWatch(dir, new SupervisorClient(dir), () => wakes++);
    watch.start();
    try {
      const settle = () => sleep(150);
      write(state('running', 2));
      await settle();
      write(state('running', 3));
      await settle();
      expect(wakes).toBe(0);
      write(state('exited', 4));
      await settle();
      expect(wakes).toBe(1);
    } finally {
      watch.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
