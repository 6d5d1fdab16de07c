// The members ParallelGzip writes are one gzip file: node's gunzip and gzip -d read it back whole, in order.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { ParallelGzip } from '../../../agent/backup/parallel-gzip';

async function compress(input: Buffer, chunk: number, gzip: ParallelGzip): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let at = 0; at < input.length; at += chunk) pieces.push(input.subarray(at, at + chunk));
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(pieces),
    gzip,
    new Writable({
      write(c: Buffer, _e, done) {
        out.push(c);
        done();
      },
    }),
  );
  return Buffer.concat(out);
}

describe('ParallelGzip', () => {
  // Hex text (compresses about 2:1) then random bytes: blocks of different sizes and speeds.
  const input = Buffer.concat([Buffer.from(randomBytes(150_000).toString('hex')), randomBytes(70_000)]);

  test('blocks cut across chunks come back whole and in order, through node and through gzip -d', async () => {
    const gz = await compress(input, 7_000, new ParallelGzip(1, 3, 64 * 1024));
    expect(gunzipSync(gz).equals(input)).toBe(true);
    expect(execFileSync('gzip', ['-dc'], { input: gz, maxBuffer: 16 * 1024 * 1024 }).equals(input)).toBe(true);
  });

  test('a chunk larger than several blocks, one thread, and an empty stream', async () => {
    expect(gunzipSync(await compress(input, input.length, new ParallelGzip(6, 1, 50_000))).equals(input)).toBe(true);
    expect(gunzipSync(await compress(Buffer.alloc(0), 1, new ParallelGzip(1)))).toHaveLength(0);
    expect(execFileSync('gzip', ['-dc'], { input: await compress(Buffer.alloc(0), 1, new ParallelGzip(1)) })).toHaveLength(0);
  });
});
