// Reads a FIFO in chunks of a fixed size, each filled by as many reads as it takes. fs.ReadStream is
// wasteful here: a pipe gives at most 64 KiB a read, and ReadStream allocates a whole highWaterMark
// buffer for every read and copies the bytes out of it (16 MiB allocated per MiB read with a 1 MiB
// mark). At 1 GiB that garbage kept the agent's one thread in the collector for a third of a base
// backup (bench/base-backup.ts). Whole chunks also mean fewer, larger steps downstream (hashing, gzip).
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';

export const FIFO_CHUNK_BYTES = 1024 * 1024;

export class FifoReader extends Readable {
  constructor(
    private readonly handle: FileHandle,
    private readonly chunkBytes = FIFO_CHUNK_BYTES,
  ) {
    super({ highWaterMark: chunkBytes });
  }

  override _read(): void {
    void this.fill().then(
      (chunk) => this.push(chunk),
      (error: Error) => this.destroy(error),
    );
  }

  /** The next chunk: full, or shorter at the end of the stream; null once it has ended. */
  private async fill(): Promise<Buffer | null> {
    const chunk = Buffer.allocUnsafe(this.chunkBytes);
    let filled = 0;
    while (filled < chunk.length) {
      const { bytesRead } = await this.handle.read(chunk, filled, chunk.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === 0 ? null : chunk.subarray(0, filled);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.handle.close().then(
      () => callback(error),
      () => callback(error),
    );
  }
}
