// The agent's zstd under the agent's Node.js (npm run test:node24): WAL files and base backup streams
// compress and decompress byte for byte, the zstd program (what the supervisor restores base.tar.zst
// with) reads what node:zlib wrote, and the WalServer stores `.zst` and restores it through wal.sh's
// protocol, beside files stored gzip and as they are.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { compressWal, decompressWal, Zstd, ZSTD_BASE_BACKUP_LEVEL } from '../../../agent/backup/compression';
import { S3Store } from '../../../agent/backup/s3';
import { WalServer } from '../../../agent/backup/wal-server';
import { S3Server } from '../../support/s3-server';
import { askWalServer } from '../../support/wal-request';

jest.setTimeout(120_000);

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
/** 4 MiB that compress as data pages do: runs of zeros and text between random bytes. */
function sample(): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < 256; i++) parts.push(randomBytes(4096), Buffer.alloc(8192), Buffer.from(`row ${i} `.repeat(512)).subarray(0, 4096));
  return Buffer.concat(parts);
}

describe('zstd in the agent', () => {
  const zstd = new Zstd();
  const bytes = sample();

  test('node:zlib has it here', () => {
    expect(zstd.available).toBe(true);
  });

  test('a WAL file round-trips, stored smaller, and is a zstd frame the zstd program reads', async () => {
    const stored = await compressWal(bytes, 'zstd');
    expect(stored.length).toBeLessThan(bytes.length / 2);
    expect(stored.subarray(0, 4)).toEqual(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])); // zstd's magic number
    expect(sha256(await decompressWal(stored, 'zstd'))).toBe(sha256(bytes));
    expect(sha256(execFileSync('zstd', ['-d', '-c', '-q'], { input: stored, maxBuffer: 64 * 1024 * 1024 }))).toBe(sha256(bytes));
  });

  test('a base backup stream, written in uneven chunks, is what the zstd program and node read back', async () => {
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; ) {
      const size = 1 + ((at * 7919) % 300_000);
      chunks.push(bytes.subarray(at, at + size));
      at += size;
    }
    const out: Buffer[] = [];
    await pipeline(Readable.from(chunks), zstd.createCompress(ZSTD_BASE_BACKUP_LEVEL), async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) out.push(chunk);
    });
    const stored = Buffer.concat(out);
    expect(sha256(execFileSync('zstd', ['-d', '-c', '-q'], { input: stored, maxBuffer: 64 * 1024 * 1024 }))).toBe(sha256(bytes));
    expect(sha256(await zstd.decompress(stored))).toBe(sha256(bytes));
  });

  test('an empty stream is still a valid zstd file (an empty tar never happens, but nothing breaks on it)', async () => {
    const out: Buffer[] = [];
    await pipeline(Readable.from([]), zstd.createCompress(1), async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) out.push(chunk);
    });
    expect(execFileSync('zstd', ['-d', '-c', '-q'], { input: Buffer.concat(out) }).length).toBe(0);
  });

  test('a damaged .zst fails (the frames carry a checksum), never restores other bytes', async () => {
    // A byte in the middle of the random part: stored as it is, so without the checksum it would
    // decompress, silently, to a different file.
    const stored = await compressWal(bytes, 'zstd');
    const at = stored.indexOf(bytes.subarray(0, 64));
    expect(at).toBeGreaterThan(0);
    stored[at + 32] ^= 0xff;
    await expect(decompressWal(stored, 'zstd')).rejects.toThrow(/checksum/i);
    expect(() => execFileSync('zstd', ['-d', '-c', '-q'], { input: stored, stdio: ['pipe', 'pipe', 'ignore'] })).toThrow();
  });
});

describe('WalServer with zstd', () => {
  const ROOT = 'pgha/zstd/7000000000000000002/';
  const SEGMENT = '000000010000000000000007';
  let s3: S3Server;
  let store: S3Store;
  let dir: string;
  let server: WalServer;

  beforeAll(async () => {
    s3 = await S3Server.start();
    await s3.createBucket('wal');
    store = s3.client('wal');
  });
  afterAll(() => s3?.stop());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgha-zstd-'));
    await mkdir(join(dir, 'pgdata', 'pg_wal'), { recursive: true });
    server = new WalServer({ runDir: join(dir, 'run'), pgdata: join(dir, 'pgdata'), spoolDir: join(dir, 'spool'), store, archiveRoot: async () => ROOT, compression: 'zstd' });
    await server.start();
  });
  afterEach(async () => {
    server.stop();
    for (const { key } of await store.list(ROOT)) await store.delete(key);
    await rm(dir, { recursive: true, force: true });
  });

  const ask = (verb: 'archive' | 'restore', name: string, path: string) => askWalServer(dir, verb, name, path);

  test('archives <file>.zst with the SHA-256 of the file, and restores it byte for byte', async () => {
    await writeFile(join(dir, 'pgdata', 'pg_wal', SEGMENT), bytes());
    expect(await ask('archive', SEGMENT, `pg_wal/${SEGMENT}`)).toBe('ok');
    expect((await store.list(ROOT)).map((o) => o.key)).toEqual([`${ROOT}wal/00000001/${SEGMENT}.zst`]);
    const stored = (await store.get(`${ROOT}wal/00000001/${SEGMENT}.zst`))!;
    expect(sha256(execFileSync('zstd', ['-d', '-c', '-q'], { input: stored, maxBuffer: 64 * 1024 * 1024 }))).toBe(sha256(bytes()));
    expect((await store.head(`${ROOT}wal/00000001/${SEGMENT}.zst`))!.metadata['pgha-sha256']).toBe(sha256(bytes()));
    expect(await ask('restore', SEGMENT, 'pg_wal/RECOVERYXLOG')).toBe(`ok ${join(dir, 'spool', SEGMENT)}`);
    expect(sha256(await readFile(join(dir, 'spool', SEGMENT)))).toBe(sha256(bytes()));
  });

  test('set to zstd, restores files stored gzip and as they are, and counts them as stored', async () => {
    const names = ['000000010000000000000008', '000000010000000000000009'];
    const content = (i: number) => Buffer.alloc(64 * 1024, i + 1);
    await store.put(`${ROOT}wal/00000001/${names[0]}.gz`, gzipSync(content(0)), { 'pgha-sha256': sha256(content(0)) });
    await store.put(`${ROOT}wal/00000001/${names[1]}`, content(1), { 'pgha-sha256': sha256(content(1)) });
    for (const [i, name] of names.entries()) {
      expect(await ask('restore', name, 'pg_wal/RECOVERYXLOG')).toBe(`ok ${join(dir, 'spool', name)}`);
      expect(await readFile(join(dir, 'spool', name))).toEqual(content(i));
      await writeFile(join(dir, 'pgdata', 'pg_wal', name), content(i));
      expect(await ask('archive', name, `pg_wal/${name}`)).toBe('ok');
    }
    expect((await store.list(ROOT)).map((o) => o.key.slice(ROOT.length))).toEqual([`wal/00000001/${names[0]}.gz`, `wal/00000001/${names[1]}`]);
  });

  /** One 16 MiB WAL segment's worth of bytes, made once. */
  let segmentBytes: Buffer | undefined;
  function bytes(): Buffer {
    segmentBytes ??= Buffer.concat([sample(), sample(), sample(), sample()]);
    return segmentBytes;
  }
});
