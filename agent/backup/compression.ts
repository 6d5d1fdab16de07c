// The agent's compressors (layout.ts has the keys): gzip and zstd from node:zlib. zstd is in node:zlib
// from Node.js 22.15 / 23.8 only; the agent's image (node:24-alpine) has it, an older user-supplied image
// does not. There, writing or reading a zstd object fails with ZSTD_UNAVAILABLE's message, reported as any
// other archive or backup failure (WalArchiveBacklog, BackupFailed Events; /status), instead of a
// TypeError from deep inside a stream. The rest of the agent (gzip, none) runs as before.
import type { Transform } from 'node:stream';
import { promisify } from 'node:util';
import * as nodeZlib from 'node:zlib';
import type { Compression } from './layout';

/**
 * zstd level 1 for base backups: on this project's 2-core machine (loaded) one stream compressed a tar of
 * binaries and text at ~250 MiB/s to 36 % at level 1, ~110 MiB/s to 33 % at level 3. A base backup runs
 * at ~120 MiB/s with no compression (bench/base-backup.ts), so level 3 would bound it again, level 1 does
 * not, and still stores less than gzip 1 (38 %). One stream keeps up, so no blocks on several threads as
 * for gzip (parallel-gzip.ts).
 */
export const ZSTD_BASE_BACKUP_LEVEL = 1;
/**
 * zstd level 3 for WAL (zstd's default), as gzip's 6 for WAL: a segment is compressed once, while the
 * next is written, and ~100 MiB/s is several times what PostgreSQL writes WAL at; the store keeps them all.
 */
export const ZSTD_WAL_LEVEL = 3;
/** gzip level 6 for WAL (zlib's default). */
const GZIP_WAL_LEVEL = 6;
/** The output buffer when restoring: a 16 MiB segment in 16 calls into the thread pool, not node's default 1024. */
const DECOMPRESS_CHUNK_BYTES = 1024 * 1024;

type Callback = (error: Error | null, result: Buffer) => void;
/** The zstd part of node:zlib (Node.js >= 22.15), which @types/node 20 does not declare. */
export interface ZstdZlib {
  readonly zstdCompress?: (buffer: Buffer, options: object, callback: Callback) => void;
  readonly zstdDecompress?: (buffer: Buffer, options: object, callback: Callback) => void;
  readonly createZstdCompress?: (options: object) => Transform;
  readonly constants: { readonly ZSTD_c_compressionLevel?: number; readonly ZSTD_c_checksumFlag?: number };
}

export function zstdUnavailableMessage(): string {
  return `compression zstd needs node:zlib's zstd (Node.js 22.15 or later), and this agent runs Node.js ${process.version}: use the agent image the construct renders (node:24-alpine), or PGHA_BACKUP_COMPRESSION gzip or none`;
}

/** zstd of node:zlib, or of a stand-in (tests give one without zstd, as an older Node.js). */
export class Zstd {
  constructor(private readonly zlib: ZstdZlib = nodeZlib as unknown as ZstdZlib) {}

  get available(): boolean {
    return typeof this.zlib.zstdCompress === 'function' && typeof this.zlib.createZstdCompress === 'function' && this.zlib.constants.ZSTD_c_compressionLevel !== undefined && this.zlib.constants.ZSTD_c_checksumFlag !== undefined;
  }

  /** Throws the clear error when this Node.js has no zstd. */
  require(): void {
    if (!this.available) throw new Error(zstdUnavailableMessage());
  }

  compress(bytes: Buffer, level: number): Promise<Buffer> {
    this.require();
    return promisify(this.zlib.zstdCompress!)(bytes, this.options(level));
  }

  decompress(bytes: Buffer): Promise<Buffer> {
    this.require();
    return promisify(this.zlib.zstdDecompress!)(bytes, { chunkSize: DECOMPRESS_CHUNK_BYTES });
  }

  createCompress(level: number): Transform {
    this.require();
    return this.zlib.createZstdCompress!(this.options(level));
  }

  /**
   * With the frame's content checksum (XXH64 of the data, 4 bytes a frame): zstd leaves it out by
   * default, and a frame whose stored bytes were damaged then decompresses to other bytes without an
   * error, where gzip's CRC-32 fails. A restore must fail on such a file, never replay it.
   */
  private options(level: number): object {
    const { ZSTD_c_compressionLevel, ZSTD_c_checksumFlag } = this.zlib.constants;
    return { params: { [ZSTD_c_compressionLevel!]: level, [ZSTD_c_checksumFlag!]: 1 } };
  }
}

const gzip = promisify(nodeZlib.gzip);
const gunzip = promisify(nodeZlib.gunzip);

/** A WAL file as stored under `compression`'s key. */
export async function compressWal(bytes: Buffer, compression: Compression, zstd = new Zstd()): Promise<Buffer> {
  if (compression === 'gzip') return gzip(bytes, { level: GZIP_WAL_LEVEL });
  if (compression === 'zstd') return zstd.compress(bytes, ZSTD_WAL_LEVEL);
  return bytes;
}

/** A WAL file's bytes from the object stored under `compression`'s key. */
export async function decompressWal(stored: Buffer, compression: Compression, zstd = new Zstd()): Promise<Buffer> {
  if (compression === 'gzip') return gunzip(stored, { chunkSize: DECOMPRESS_CHUNK_BYTES });
  if (compression === 'zstd') return zstd.decompress(stored);
  return stored;
}
