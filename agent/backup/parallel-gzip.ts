// gzip on several threads: the stream is cut into blocks, each compressed as a gzip member of its own in
// libuv's thread pool, a few at once, and the members are passed on in order. A file of concatenated
// members is one gzip file (RFC 1952, 2.2): gzip -d, GNU tar -z and node's gunzip read it whole, so
// base.tar.gz stays what older agents restore. One deflate stream on the agent's thread bounded a base
// backup at about 65 MiB/s of tar here (bench/base-backup.ts); a 1 MiB block costs well under 0.1 % of
// size (deflate looks back 32 KiB only).
import { availableParallelism } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';

const gzip = promisify(gzipCallback);

export const GZIP_BLOCK_BYTES = 1024 * 1024;

/**
 * Blocks compressing at once: one per core, at most 3, so one of libuv's 4 threads stays free for the
 * file reads (the FIFO) that feed them.
 */
export function gzipThreads(): number {
  return Math.max(1, Math.min(3, availableParallelism()));
}

export class ParallelGzip extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Members being compressed, in stream order. */
  private readonly queue: Array<Promise<Buffer>> = [];
  private members = 0;

  constructor(
    private readonly level: number,
    private readonly threads = gzipThreads(),
    private readonly blockBytes = GZIP_BLOCK_BYTES,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.cut(false).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.cut(true).then(() => callback(), callback);
  }

  /** Starts a member per whole block (and the rest, at the end), passing on finished members in order. */
  private async cut(end: boolean): Promise<void> {
    // An empty stream is still one (empty) member: a gzip file has at least one.
    while (this.pendingBytes >= this.blockBytes || (end && (this.pendingBytes > 0 || this.members === 0))) {
      const all = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
      const block = all.subarray(0, this.blockBytes);
      const rest = all.subarray(block.length);
      this.pending = rest.length > 0 ? [rest] : [];
      this.pendingBytes = rest.length;
      // One call into the pool per block: room for the whole member (deflate's bound on incompressible data).
      this.members++;
      const member = gzip(block, { level: this.level, chunkSize: block.length + (block.length >> 8) + 1024 });
      member.catch(() => undefined); // awaited in order below; a failure is reported there
      this.queue.push(member);
      while (this.queue.length >= this.threads) this.push(await this.queue.shift()!);
    }
    if (end) while (this.queue.length > 0) this.push(await this.queue.shift()!);
  }
}
