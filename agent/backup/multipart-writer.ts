// A Writable that streams one object into the store by S3 multipart upload, holding at most a few parts
// in memory: the base backup of a large database never fits in the agent's memory, and S3 takes at most
// 5 GiB in one PUT. Until CompleteMultipartUpload the key holds nothing, so a backup that fails halfway
// leaves no partial object; a failure aborts the upload so the store frees the parts.
import { Writable } from 'node:stream';
import type { UploadedPart } from './s3';

export interface MultipartStore {
  createMultipartUpload(key: string, metadata?: Readonly<Record<string, string>>, contentType?: string): Promise<string>;
  uploadPart(key: string, uploadId: string, partNumber: number, body: readonly Buffer[]): Promise<UploadedPart>;
  completeMultipartUpload(key: string, uploadId: string, parts: readonly UploadedPart[]): Promise<void>;
  abortMultipartUpload(key: string, uploadId: string): Promise<void>;
}

/** S3's limits: at most 10000 parts, each but the last at least 5 MiB. */
const MAX_PARTS = 10_000;
export const FIRST_PART_BYTES = 8 * 1024 * 1024;

/**
 * Parts grow by the first part's size every 1000 parts (8 MiB, then 16 MiB from part 1001, …), so small
 * backups hold little memory and the 10000 parts still reach about 430 GiB.
 */
export function partSize(partNumber: number, firstPartBytes = FIRST_PART_BYTES): number {
  return firstPartBytes * (1 + Math.floor((partNumber - 1) / 1000));
}

/** Parts uploading at once: one uploads while the next fills, so the network and the reader overlap. */
const IN_FLIGHT = 2;

export class MultipartWriter extends Writable {
  private uploadId: Promise<string> | null = null;
  private readonly uploaded: UploadedPart[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private chunks: Buffer[] = [];
  private filled = 0;
  private parts = 0;
  private failure: Error | null = null;
  private completed = false;

  constructor(
    private readonly store: MultipartStore,
    readonly key: string,
    private readonly options: { readonly metadata?: Readonly<Record<string, string>>; readonly contentType?: string; readonly firstPartBytes?: number } = {},
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    this.filled += chunk.length;
    if (this.filled < partSize(this.parts + 1, this.options.firstPartBytes)) {
      callback(this.failure);
      return;
    }
    this.sendPart()
      .then(() => callback(this.failure))
      .catch(callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    // S3 needs at least one part; an empty object is one empty part.
    const last = this.filled > 0 || this.parts === 0 ? this.sendPart() : Promise.resolve();
    last
      .then(() => Promise.all(this.inFlight))
      .then(async () => {
        if (this.failure) throw this.failure;
        await this.store.completeMultipartUpload(this.key, await this.started(), this.uploaded);
        this.completed = true;
      })
      .then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.uploadId === null || this.completed) {
      callback(error);
      return;
    }
    const uploadId = this.uploadId;
    void Promise.allSettled(this.inFlight)
      .then(async () => this.store.abortMultipartUpload(this.key, await uploadId))
      .catch(() => undefined) // the store may be what failed; a lifecycle rule cleans what is left
      .then(() => callback(error));
  }

  private started(): Promise<string> {
    this.uploadId ??= this.store.createMultipartUpload(this.key, this.options.metadata, this.options.contentType);
    return this.uploadId;
  }

  /** Starts uploading what is buffered as the next part; waits while IN_FLIGHT parts are uploading. */
  private async sendPart(): Promise<void> {
    const partNumber = ++this.parts;
    if (partNumber > MAX_PARTS) throw new Error(`${this.key} needs more than ${MAX_PARTS} parts: the object is too large for S3`);
    // The chunks as they came, not joined: a copy of every byte, and as much memory again for the GC to track.
    const body = this.chunks;
    this.chunks = [];
    this.filled = 0;
    const uploadId = await this.started();
    const upload: Promise<void> = this.store
      .uploadPart(this.key, uploadId, partNumber, body)
      .then((part) => {
        this.uploaded[partNumber - 1] = part;
      })
      .catch((error: Error) => {
        this.failure ??= error;
      })
      .finally(() => this.inFlight.delete(upload));
    this.inFlight.add(upload);
    while (this.inFlight.size >= IN_FLIGHT) await Promise.race(this.inFlight);
  }
}
