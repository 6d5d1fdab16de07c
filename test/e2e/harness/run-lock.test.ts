import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireRunLock, releaseRunLock } from '../../../e2e/harness/run-lock';

function lockFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'run-lock-')), 'sub', 'run.pid');
}

describe('the one-harness-per-machine lock', () => {
  test('is taken when free and released by its holder', async () => {
    const file = lockFile();
    await acquireRunLock(file, { waitMs: 0 });
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    releaseRunLock(file);
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
  });

  test("takes over a crashed run's lock", async () => {
    const file = lockFile();
    await acquireRunLock(file, { waitMs: 0 });
    writeFileSync(file, '2147483646'); // no such process
    await acquireRunLock(file, { waitMs: 0 });
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
  });

  test('waits for a live holder, says so once, and takes the lock when it exits', async () => {
    const file = lockFile();
    await acquireRunLock(file, { waitMs: 0 });
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 1500)']);
    writeFileSync(file, String(holder.pid));
    const waits: number[] = [];
    await acquireRunLock(file, { waitMs: 10_000, onWait: (pid) => waits.push(pid) });
    expect(waits).toEqual([holder.pid]);
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
  });

  test('gives up after its wait with the holder named', async () => {
    const file = lockFile();
    await acquireRunLock(file, { waitMs: 0 });
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)']);
    try {
      writeFileSync(file, String(holder.pid));
      await expect(acquireRunLock(file, { waitMs: 600 })).rejects.toThrow(`another e2e harness (pid ${holder.pid}) is still running on this machine`);
    } finally {
      holder.kill();
    }
  });
});
