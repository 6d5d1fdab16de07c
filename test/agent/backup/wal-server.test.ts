// The agent's side of wal.sh, driven through its request files (as wal.sh writes them) against a real
// S3 server: what it answers, and that it never overwrites an archived file with different bytes.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Zstd, type ZstdZlib } from '../../../agent/backup/compression';
import type { Compression } from '../../../agent/backup/layout';
import { S3Store } from '../../../agent/backup/s3';
import { WalServer, type WalResult } from '../../../agent/backup/wal-server';
import { S3Server } from '../../support/s3-server';
import { askWalServer } from '../../support/wal-request';

jest.setTimeout(300_000); // the first run on a machine builds versitygw

const ROOT = 'pgha/unit/7000000000000000001/';
const SEGMENT = '000000010000000000000003';
const KEY = `${ROOT}wal/00000001/${SEGMENT}.gz`;
/** The same file's key with compression none. */
const PLAIN_KEY = `${ROOT}wal/00000001/${SEGMENT}`;
/** The same file's key with zstd. */
const ZST_KEY = `${ROOT}wal/00000001/${SEGMENT}.zst`;
/** node:zlib as Node.js before 22.15 has it: no zstd. */
const withoutZstd = new Zstd({ constants: {} } as ZstdZlib);
const NO_ZSTD = `compression zstd needs node:zlib's zstd (Node.js 22.15 or later), and this agent runs Node.js ${process.version}: use the agent image the construct renders (node:24-alpine), or PGHA_BACKUP_COMPRESSION gzip or none`;

describe('WalServer', () => {
  let s3: S3Server;
  let store: S3Store;
  let dir: string;
  let server: WalServer;
  let results: WalResult[];

  beforeAll(async () => {
    s3 = await S3Server.start();
    await s3.createBucket('wal');
    store = s3.client('wal');
  });
  afterAll(() => s3?.stop());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgha-walserver-'));
    await mkdir(join(dir, 'pgdata', 'pg_wal'), { recursive: true });
    results = [];
    server = new WalServer({
      runDir: join(dir, 'run'),
      pgdata: join(dir, 'pgdata'),
      spoolDir: join(dir, 'spool'),
      store,
      archiveRoot: async () => ROOT,
      compression: 'gzip',
      onResult: (r) => results.push(r),
    });
    await server.start();
  });
  afterEach(async () => {
    server.stop();
    await store.delete(KEY);
    await store.delete(PLAIN_KEY);
    await store.delete(ZST_KEY);
    await rm(dir, { recursive: true, force: true });
  });

  const ask = (verb: 'archive' | 'restore', name: string, path: string) => askWalServer(dir, verb, name, path);

  async function segment(bytes: Buffer): Promise<void> {
    await writeFile(join(dir, 'pgdata', 'pg_wal', SEGMENT), bytes);
  }

  test('archives a file, and the same bytes again count as stored without a second upload', async () => {
    await segment(Buffer.alloc(1024, 7));
    expect(await ask('archive', SEGMENT, `pg_wal/${SEGMENT}`)).toBe('ok');
    expect(await ask('archive', SEGMENT, `pg_wal/${SEGMENT}`)).toBe('ok');
    expect(results.map((r) => r.detail)).toEqual(['stored', 'already stored']);
    expect(server.stats).toMatchObject({ archived: 2, archiveFailures: 0 });
    expect(existsSync(join(dir, 'run', 'wal', `${SEGMENT}.archive`))).toBe(false);
  });

  test('restores an archived file into the spool folder', async () => {
    await segment(Buffer.alloc(1024, 9));
    await ask('archive', SEGMENT, `pg_wal/${SEGMENT}`);
    const answer = await ask('restore', SEGMENT, 'pg_wal/RECOVERYXLOG');
    expect(answer).toBe(`ok ${join(dir, 'spool', SEGMENT)}`);
    expect(await readFile(join(dir, 'spool', SEGMENT))).toEqual(Buffer.alloc(1024, 9));
  });

  test('answers missing for a file the store does not have', async () => {
    expect(await ask('restore', '00000002.history', 'pg_wal/RECOVERYHISTORY')).toBe('missing');
  });

  test('fails, and never overwrites, when the key holds different bytes', async () => {
    const other = Buffer.alloc(1024, 1);
    const otherSha = createHash('sha256').update(other).digest('hex');
    await store.put(KEY, gzipSync(other), { 'pgha-sha256': otherSha });
    await segment(Buffer.alloc(1024, 2));
    const mine = createHash('sha256').update(Buffer.alloc(1024, 2)).digest('hex');
    expect(await ask('archive', SEGMENT, `pg_wal/${SEGMENT}`)).toBe(
      `error ${KEY} already holds different content (sha256 ${otherSha}, this file ${mine}); not overwritten`,
    );
    expect((await store.head(KEY))!.metadata['pgha-sha256']).toBe(otherSha);
    expect(server.stats).toMatchObject({ archived: 0, archiveFailures: 1 });
  });

  test('a restored cluster does not copy a file its source archived with the same bytes, and stores the others', async () => {
    const sourceRoot = 'pgha/source/7000000000000000001/';
    const sourceKey = `${sourceRoot}wal/00000001/${SEGMENT}.gz`;
    const bytes = Buffer.alloc(1024, 5);
    await store.put(sourceKey, gzipSync(bytes), { 'pgha-sha256': createHash('sha256').update(bytes).digest('hex') });
    server.stop();
    server = new WalServer({
      runDir: join(dir, 'run'),
      pgdata: join(dir, 'pgdata'),
      spoolDir: join(dir, 'spool'),
      store,
      archiveRoot: async () => ROOT,
      compression: 'gzip',
      restoreFrom: { store, root: async () => sourceRoot },
      onResult: (r) => results.push(r),
    });
    await server.start();
    try {
      await segment(bytes);
      expect(await ask('archive', SEGMENT, `pg_wal/${SEGMENT}`)).toBe('ok');
      expect(await store.head(KEY)).toBeNull();
      // Bytes of its own under the same name (a segment it wrote after promotion) are its to store.
      await segment(Buffer.alloc(1024, 6));
      expect(await ask('archive', SEGMENT, `pg_wal/${SEGMENT}`)).toBe('ok');
      expect(results.map((r) => r.detail)).toEqual(["in the source's archive", 'stored']);
      expect(gunzipSync((await store.get(KEY))!)).toEqual(Buffer.alloc(1024, 6));
    } finally {
      await store.delete(sourceKey);
    }
  });


  test('fetches the next segments while recovery replays one, and answers from them without another GET; a segment missing ahead is fetched again when asked for', async () => {
    // 1 MiB segments (initdb --wal-segsize=1): the long page header names the size; 64 of them fit the budget.
    const bytes = (fill: number) => {
      const b = Buffer.alloc(1 << 20, fill);
      b.writeUInt32LE(1 << 20, 32);
      return b;
    };
    const names = ['0000000100000000000000FE', '0000000100000000000000FF', '000000010000000000000100'];
    await store.put(`${ROOT}wal/00000001/${names[0]}.gz`, gzipSync(bytes(1)), {});
    await store.put(`${ROOT}wal/00000001/${names[1]}.gz`, gzipSync(bytes(2)), {});
    const gets: string[] = [];
    server.stop();
    server = new WalServer({
      runDir: join(dir, 'run'),
      pgdata: join(dir, 'pgdata'),
      spoolDir: join(dir, 'spool'),
      store: { put: (...a) => store.put(...a), head: (k) => store.head(k), get: (k) => (gets.push(k.split('/').pop()!), store.get(k)) },
      archiveRoot: async () => ROOT,
      compression: 'gzip',
    });
    await server.start();
    try {
      expect(await ask('restore', names[0], 'pg_wal/RECOVERYXLOG')).toBe(`ok ${join(dir, 'spool', names[0])}`);
      // Fetched ahead: FF, then 100 (missing now), and so on.
      const deadline = Date.now() + 10_000;
      while (!existsSync(join(dir, 'spool', `${names[1]}.ahead`)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(gets.slice(0, 3)).toEqual([`${names[0]}.gz`, `${names[1]}.gz`, `${names[2]}.gz`]);
      const before = gets.length;
      expect(await ask('restore', names[1], 'pg_wal/RECOVERYXLOG')).toBe(`ok ${join(dir, 'spool', names[1])}`);
      expect((await readFile(join(dir, 'spool', names[1]))).equals(bytes(2))).toBe(true);
      expect(gets.slice(before)).not.toContain(`${names[1]}.gz`);
      // Archived after it was found missing ahead: asked for, it is fetched again.
      await store.put(`${ROOT}wal/00000001/${names[2]}.gz`, gzipSync(bytes(3)), {});
      expect(await ask('restore', names[2], 'pg_wal/RECOVERYXLOG')).toBe(`ok ${join(dir, 'spool', names[2])}`);
      expect((await readFile(join(dir, 'spool', names[2]))).equals(bytes(3))).toBe(true);
    } finally {
      server.stop();
      for (const name of names) await store.delete(`${ROOT}wal/00000001/${name}.gz`);
    }
  });

  /** The agent restarted with another PGHA_BACKUP_COMPRESSION. */
  async function restartWith(compression: Compression, zstd?: Zstd): Promise<void> {
    server.stop();
    server = new WalServer({ runDir: join(dir, 'run'), pgdata: join(dir, 'pgdata'), spoolDir: join(dir, 'spool'), store, archiveRoot: async () => ROOT, compression, ...(zstd ? { zstd } : {}), onResult: (r) => results.push(r) });
    await server.start();
  }

  test('with compression none, archives a file as it is under its own name, and restores it', async () => {
    await restartWith('none');
    await segment(Buffer.alloc(1024, 3));
    expect(await ask('archive', SEGMENT, `pg_wal/${SEGMENT}`)).toBe('ok');
    expect(await store.get(PLAIN_KEY)).toEqual(Buffer.alloc(1024, 3));
    expect((await store.head(PLAIN_KEY))!.metadata['pgha-sha256']).toBe(createHash('sha256').update(Buffer.alloc(1024, 3)).digest('hex'));
    expect(await store.head(KEY)).toBeNull();
    expect(await ask('restore', SEGMENT, 'pg_wal/RECOVERYXLOG')).toBe(`ok ${join(dir, 'spool', SEGMENT)}`);
    expect(await readFile(join(dir, 'spool', SEGMENT))).toEqual(Buffer.alloc(1024, 3));
  });

  test('after the compression changed, restores files stored either way, and a file stored the other way counts as stored', async () => {
    await segment(Buffer.alloc(1024, 4));
    expect(await ask('archive', SEGMENT, `pg_wal/${SEGMENT}`)).toBe('ok');
    await restartWith('none');
    expect(await ask('archive', SEGMENT, `pg_wal/${SEGMENT}`)).toBe('ok');
    expect(results.map((r) => r.detail)).toEqual(['stored', 'already stored']);
    expect(await store.head(PLAIN_KEY)).toBeNull();
    expect(await ask('restore', SEGMENT, 'pg_wal/RECOVERYXLOG')).toBe(`ok ${join(dir, 'spool', SEGMENT)}`);
    expect(await readFile(join(dir, 'spool', SEGMENT))).toEqual(Buffer.alloc(1024, 4));
  });

  test('fails, and never stores a second copy, when the other compression\'s key holds different bytes', async () => {
    const other = Buffer.alloc(1024, 1);
    const otherSha = createHash('sha256').update(other).digest('hex');
    await store.put(PLAIN_KEY, other, { 'pgha-sha256': otherSha });
    await segment(Buffer.alloc(1024, 2));
    const mine = createHash('sha256').update(Buffer.alloc(1024, 2)).digest('hex');
    expect(await ask('archive', SEGMENT, `pg_wal/${SEGMENT}`)).toBe(
      `error ${PLAIN_KEY} already holds different content (sha256 ${otherSha}, this file ${mine}); not overwritten`,
    );
    expect(await store.head(KEY)).toBeNull();
  });

  test('an agent whose Node.js has no zstd, set to zstd, answers every archive with why, and stores nothing', async () => {
    await restartWith('zstd', withoutZstd);
    await segment(Buffer.alloc(1024, 5));
    expect(await ask('archive', SEGMENT, `pg_wal/${SEGMENT}`)).toBe(`error ${NO_ZSTD}`);
    expect(results.map((r) => [r.ok, r.detail])).toEqual([[false, NO_ZSTD]]);
    expect(await store.head(ZST_KEY)).toBeNull();
    expect(await store.head(KEY)).toBeNull();
  });

  test('an agent whose Node.js has no zstd restores gzip and none as before, and a file only stored as .zst with why', async () => {
    await restartWith('gzip', withoutZstd);
    await store.put(ZST_KEY, Buffer.from('a zstd frame'), {});
    expect(await ask('restore', SEGMENT, 'pg_wal/RECOVERYXLOG')).toBe(`error ${NO_ZSTD}`);
    await store.put(PLAIN_KEY, Buffer.alloc(1024, 6), {});
    expect(await ask('restore', SEGMENT, 'pg_wal/RECOVERYXLOG')).toBe(`ok ${join(dir, 'spool', SEGMENT)}`);
    expect(await readFile(join(dir, 'spool', SEGMENT))).toEqual(Buffer.alloc(1024, 6));
  });

  test('fails on a request whose name is not a WAL file', async () => {
    expect(await ask('archive', 'RECOVERYXLOG', 'pg_wal/RECOVERYXLOG')).toBe("error 'RECOVERYXLOG' is not a WAL file name");
  });
});
