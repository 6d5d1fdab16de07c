// FifoReader fills whole chunks from a pipe that gives at most 64 KiB a read, and ends with the writer.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FifoReader } from '../../../agent/backup/fifo-reader';

test('reads a FIFO in full chunks, the last one shorter, every byte in order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fifo-reader-'));
  try {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const data = randomBytes(3 * 256 * 1024 + 1000);
    const writer = spawn('dd', [`of=${fifo}`, 'bs=4096', 'status=none'], { stdio: ['pipe', 'ignore', 'ignore'] });
    writer.stdin.end(data);
    const chunks: Buffer[] = [];
    for await (const chunk of new FifoReader(await open(fifo, 'r'), 256 * 1024)) chunks.push(chunk as Buffer);
    expect(chunks.map((c) => c.length)).toEqual([262144, 262144, 262144, 1000]);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
