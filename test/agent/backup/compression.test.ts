// The compressors without zstd, as on Node.js before 22.15 (a user-supplied agent image): zstd fails
// with the reason, gzip and none work. zstd itself is tested under Node.js 24 (*.node24.test.ts).
import { gzipSync } from 'node:zlib';
import { takeBaseBackup, type BaseBackupDeps } from '../../../agent/backup/base-backup';
import { compressWal, decompressWal, Zstd, type ZstdZlib } from '../../../agent/backup/compression';

const withoutZstd = new Zstd({ constants: {} } as ZstdZlib);
const NO_ZSTD = /^compression zstd needs node:zlib's zstd \(Node\.js 22\.15 or later\), and this agent runs Node\.js v\d+\.\d+\.\d+: use the agent image the construct renders \(node:24-alpine\), or PGHA_BACKUP_COMPRESSION gzip or none$/;

describe('compression', () => {
  const bytes = Buffer.from('a WAL file '.repeat(1000));

  test('gzip and none round-trip whatever the Node.js', async () => {
    for (const compression of ['gzip', 'none'] as const) {
      const stored = await compressWal(bytes, compression, withoutZstd);
      expect(await decompressWal(stored, compression, withoutZstd)).toEqual(bytes);
    }
    expect(await compressWal(bytes, 'none', withoutZstd)).toBe(bytes);
    expect(await decompressWal(gzipSync(bytes), 'gzip', withoutZstd)).toEqual(bytes);
  });

  test('without zstd in node:zlib, every zstd use fails with the reason', async () => {
    expect(withoutZstd.available).toBe(false);
    expect(() => withoutZstd.require()).toThrow(NO_ZSTD);
    expect(() => withoutZstd.createCompress(1)).toThrow(NO_ZSTD);
    await expect(compressWal(bytes, 'zstd', withoutZstd)).rejects.toThrow(NO_ZSTD);
    await expect(decompressWal(bytes, 'zstd', withoutZstd)).rejects.toThrow(NO_ZSTD);
  });

  test('a base backup with zstd fails with the reason before pg_basebackup starts, and stores nothing', async () => {
    const calls: string[] = [];
    const record = (name: string) => async () => {
      calls.push(name);
      throw new Error(`${name} called`);
    };
    const deps = {
      store: { put: record('put'), createMultipartUpload: record('createMultipartUpload') },
      source: { start: record('start') },
      archiveRoot: record('archiveRoot'),
      cluster: 'demo',
      member: 'demo-0',
      pgdata: '/nonexistent',
      compression: 'zstd',
      zstd: withoutZstd,
    } as unknown as BaseBackupDeps;
    await expect(takeBaseBackup(deps)).rejects.toThrow(NO_ZSTD);
    expect(calls).toEqual([]);
  });

  test('a node:zlib with only part of zstd counts as without it', () => {
    const partial = new Zstd({ zstdCompress: () => undefined, constants: { ZSTD_c_compressionLevel: 100, ZSTD_c_checksumFlag: 201 } } as ZstdZlib);
    expect(partial.available).toBe(false);
  });
});
