import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootTimeMs } from '../../../agent/postgres/boot-clock';
import { SupervisorClient } from '../../../agent/postgres/supervisor-client';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'boot-clock-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('reads the time since boot from /proc/uptime, in ms', () => {
  writeFileSync(join(dir, 'uptime'), '350735.47 1380481.76\n');
  expect(bootTimeMs(join(dir, 'uptime'))).toBe(350_735_470);
});

it('fails naming the file when it does not start with seconds', () => {
  writeFileSync(join(dir, 'uptime'), 'up 4 days\n');
  expect(() => bootTimeMs(join(dir, 'uptime'))).toThrow(`${join(dir, 'uptime')} does not start with a number of seconds: up`);
});

it('is written to the heartbeat file as `boot <ms>`', async () => {
  await new SupervisorClient(dir).writeHeartbeat(350_741_470.6);
  expect(readFileSync(join(dir, 'heartbeat'), 'utf8')).toBe('boot 350741470\n');
});
