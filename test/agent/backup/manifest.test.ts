import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { parseBackupLabel, walFileName } from '../../../agent/backup/base-backup';
import { compareWithManifest, parseManifest } from '../../../agent/backup/manifest';
import { partSize } from '../../../agent/backup/multipart-writer';
import { BackupTarFilter } from '../../../agent/backup/tar-filter';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** A manifest as PostgreSQL writes it: the checksum covers every byte before its key. */
function manifest(files: Array<{ path: string; content: string }>): Buffer {
  const body = `{ "PostgreSQL-Backup-Manifest-Version": 1,\n"Files": [\n${files
    .map((f) => `{ "Path": "${f.path}", "Size": ${Buffer.byteLength(f.content)}, "Last-Modified": "2026-12-04 19:51:58 GMT", "Checksum-Algorithm": "SHA256", "Checksum": "${sha(f.content)}" }`)
    .join(',\n')} ],\n"WAL-Ranges": [\n{ "Timeline": 1, "Start-LSN": "0/2000028", "End-LSN": "0/2000100" }\n],\n`;
  return Buffer.from(`${body}"Manifest-Checksum": "${sha(body)}"}\n`);
}

describe('the backup manifest', () => {
  const files = [
    { path: 'PG_VERSION', content: '15\n' },
    { path: 'global/pg_control', content: 'control' },
  ];

  it('parses files and WAL ranges once its own checksum holds', () => {
    const parsed = parseManifest(manifest(files));
    expect(parsed.walRanges).toEqual([{ timeline: 1, startLsn: '0/2000028', endLsn: '0/2000100' }]);
    expect(parsed.files.map((f) => [f.path, f.size, f.algorithm])).toEqual([['PG_VERSION', 3, 'SHA256'], ['global/pg_control', 7, 'SHA256']]);
  });

  it('fails when a byte of the manifest changed', () => {
    const bytes = manifest(files);
    const changed = Buffer.from(bytes.toString().replace('"Size": 7', '"Size": 8'));
    expect(() => parseManifest(changed)).toThrow(/^the backup manifest fails its own checksum \(it says [0-9a-f]{64}, its content hashes to [0-9a-f]{64}\)$/);
  });

  it('reports every difference between the tar and the manifest', () => {
    const parsed = parseManifest(manifest(files));
    expect(compareWithManifest(parsed, [{ path: 'PG_VERSION', size: 3, sha256: sha('15\n') }, { path: 'global/pg_control', size: 7, sha256: sha('control') }])).toEqual([]);
    expect(
      compareWithManifest(parsed, [
        { path: 'PG_VERSION', size: 3, sha256: sha('16\n') },
        { path: 'base/1/1259', size: 8192, sha256: sha('x') },
      ]),
    ).toEqual([
      `PG_VERSION: SHA-256 ${sha('16\n')} in the tar, ${sha('15\n')} in the manifest`,
      'global/pg_control: in the manifest, not in the tar',
      'base/1/1259: in the tar, not in the manifest',
    ]);
  });
});

describe('the tar filter', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgha-tar-'));
    mkdirSync(join(dir, 'src', 'global'), { recursive: true });
    writeFileSync(join(dir, 'src', 'PG_VERSION'), '15\n');
    writeFileSync(join(dir, 'src', 'global', 'pg_control'), Buffer.alloc(8192, 7));
    writeFileSync(join(dir, 'src', 'backup_manifest'), '{}');
    execFileSync('tar', ['--format=ustar', '-cf', join(dir, 'with.tar'), '-C', join(dir, 'src'), 'PG_VERSION', 'global', 'backup_manifest']);
    execFileSync('tar', ['--format=ustar', '-cf', join(dir, 'without.tar'), '-C', join(dir, 'src'), 'PG_VERSION', 'global']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function filter(tar: Buffer, chunk = 100): Promise<{ filter: BackupTarFilter; out: Buffer }> {
    const f = new BackupTarFilter();
    const parts: Buffer[] = [];
    const chunks = Array.from({ length: Math.ceil(tar.length / chunk) }, (_, i) => tar.subarray(i * chunk, (i + 1) * chunk));
    await pipeline(Readable.from(chunks), f, new Writable({ write: (c: Buffer, _e, cb) => (parts.push(c), cb()) }));
    return { filter: f, out: Buffer.concat(parts) };
  }

  it('hashes each file, keeps the manifest apart, and passes on the tar without it', async () => {
    const tar = execFileSync('cat', [join(dir, 'with.tar')]);
    const { filter: f, out } = await filter(tar);
    expect(f.files).toEqual([
      { path: 'PG_VERSION', size: 3, sha256: sha('15\n') },
      { path: 'global/pg_control', size: 8192, sha256: createHash('sha256').update(Buffer.alloc(8192, 7)).digest('hex') },
    ]);
    expect(f.kept.get('backup_manifest')?.toString()).toBe('{}');
    expect(f.kept.get('PG_VERSION')?.toString()).toBe('15\n');
    const without = execFileSync('cat', [join(dir, 'without.tar')]);
    // The same entries, byte for byte (GNU tar pads the archive to 10 KiB records; the filter passes those zeros on).
    expect(out.subarray(0, without.indexOf(Buffer.alloc(1024), 512 * 3))).toEqual(without.subarray(0, without.indexOf(Buffer.alloc(1024), 512 * 3)));
    expect(f.bytes).toBe(out.length);
  });

  it('fails when the stream ends inside an entry', async () => {
    const tar = execFileSync('cat', [join(dir, 'with.tar')]);
    await expect(filter(tar.subarray(0, 512 * 4 + 100))).rejects.toThrow('the tar stream ended early, after 2148 bytes inside global/pg_control');
  });

  it('fails on a header whose checksum does not hold', async () => {
    const tar = Buffer.from(execFileSync('cat', [join(dir, 'with.tar')]));
    tar[0] ^= 1;
    await expect(filter(tar)).rejects.toThrow(/^a tar header fails its checksum \(stored \d+, computed \d+\): the stream is corrupt$/);
  });
});

describe('WAL names and sizes', () => {
  it('names the segment of an LSN as PostgreSQL does', () => {
    expect(walFileName(1, 0x2000100n, 16 * 1024 * 1024)).toBe('000000010000000000000002');
    expect(walFileName(3, 0x1_2300_0000n, 16 * 1024 * 1024)).toBe('000000030000000100000023');
    expect(walFileName(2, 0x1_2300_0000n, 64 * 1024 * 1024)).toBe('000000020000000100000008');
  });

  it('reads where a backup starts from backup_label', () => {
    const label = 'START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\nCHECKPOINT LOCATION: 0/2000060\nSTART TIMELINE: 1\n';
    expect(parseBackupLabel(Buffer.from(label))).toEqual({ startLsn: '0/2000028', startWalFile: '000000010000000000000002', timeline: 1 });
  });

  it('grows multipart parts every 1000 parts', () => {
    expect([1, 1000, 1001, 2001, 10_000].map((n) => partSize(n) / 1024 / 1024)).toEqual([8, 8, 16, 24, 80]);
  });
});
