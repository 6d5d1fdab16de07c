// Reads the tar pg_basebackup writes to stdout (`-D - -Ft`) as it streams by, block by block, never
// holding more than one 512-byte header: each regular file's SHA-256 is computed on the way (checked
// against the backup manifest once the stream ends), the manifest PostgreSQL appends as the last entry is
// taken out (it is stored as its own object, so base.tar.gz is the tar `pg_basebackup -D <dir> -Ft`
// writes), and a few small files a backup's record needs are kept. Everything else passes through
// unchanged, end-of-archive blocks included.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export interface TarFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

const BLOCK = 512;
const MANIFEST = 'backup_manifest';
/** Small files the backup's record reads: where it starts, the major version, the system identifier. */
const KEPT = new Set(['backup_label', 'PG_VERSION', 'global/pg_control', MANIFEST]);

interface Entry {
  readonly path: string;
  readonly size: number;
  /** Bytes of the data area (the content padded to whole blocks) still to come. */
  remaining: number;
  /** Bytes of content (not padding) still to come. */
  contentLeft: number;
  readonly hash: Hash | null;
  readonly kept: Buffer[] | null;
  readonly passThrough: boolean;
}

export class BackupTarFilter extends Transform {
  /** The regular files seen, in tar order (the manifest not among them). */
  readonly files: TarFile[] = [];
  /** The KEPT files' content, when the tar had them. */
  readonly kept = new Map<string, Buffer>();
  /** Bytes passed on: the size of the tar as stored. */
  bytes = 0;
  private header = Buffer.alloc(0);
  private entry: Entry | null = null;
  private ended = false;

  /** `onChunk`: told of each chunk that arrives (a caller tells a silent stream from a busy one). */
  constructor(private readonly onChunk: () => void = () => {}) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.onChunk();
    try {
      let offset = 0;
      while (offset < chunk.length) {
        if (this.entry === null) {
          const take = Math.min(BLOCK - this.header.length, chunk.length - offset);
          this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + take)]);
          offset += take;
          if (this.header.length === BLOCK) {
            this.onHeader(this.header);
            this.header = Buffer.alloc(0);
          }
          continue;
        }
        const entry = this.entry;
        const piece = chunk.subarray(offset, offset + Math.min(entry.remaining, chunk.length - offset));
        const content = piece.subarray(0, Math.min(piece.length, entry.contentLeft));
        entry.hash?.update(content);
        entry.kept?.push(Buffer.from(content));
        entry.contentLeft -= content.length;
        entry.remaining -= piece.length;
        offset += piece.length;
        if (entry.passThrough) this.pass(piece);
        if (entry.remaining === 0) this.finishEntry(entry);
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.entry !== null || this.header.length > 0 || !this.ended) {
      callback(new Error(`the tar stream ended early, after ${this.bytes} bytes${this.entry ? ` inside ${this.entry.path}` : ''}`));
      return;
    }
    callback();
  }

  private onHeader(block: Buffer): void {
    if (block.every((b) => b === 0)) {
      this.ended = true;
      this.pass(Buffer.from(block));
      return;
    }
    if (this.ended) throw new Error(`the tar stream has an entry after its end-of-archive block, at byte ${this.bytes}`);
    checkHeaderSum(block);
    const name = field(block, 0, 100);
    const prefix = block.toString('latin1', 257, 263) === 'ustar\u0000' ? field(block, 345, 155) : '';
    const path = prefix ? `${prefix}/${name}` : name;
    const type = String.fromCharCode(block[156] || 0x30);
    const size = type === '0' || type === '7' ? octalOrBinary(block.subarray(124, 136)) : 0;
    const dataArea = Math.ceil(size / BLOCK) * BLOCK;
    const isFile = type === '0' || type === '7';
    const passThrough = path !== MANIFEST;
    if (passThrough) this.pass(Buffer.from(block));
    if (dataArea === 0 && !isFile) return;
    const entry: Entry = {
      path,
      size,
      remaining: dataArea,
      contentLeft: size,
      hash: isFile && passThrough ? createHash('sha256') : null,
      kept: KEPT.has(path) ? [] : null,
      passThrough,
    };
    if (dataArea === 0) this.finishEntry(entry);
    else this.entry = entry;
  }

  private finishEntry(entry: Entry): void {
    if (entry.hash) this.files.push({ path: entry.path, size: entry.size, sha256: entry.hash.digest('hex') });
    if (entry.kept) this.kept.set(entry.path, Buffer.concat(entry.kept));
    this.entry = null;
  }

  private pass(bytes: Buffer): void {
    this.bytes += bytes.length;
    this.push(bytes);
  }
}

function field(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.toString('utf8', 0, end === -1 ? length : end);
}

/** Tar numbers: octal text, or (GNU, for values past 8 GiB) base-256 with the high bit set. */
function octalOrBinary(raw: Buffer): number {
  if (raw[0] & 0x80) {
    let value = raw[0] & 0x7f;
    for (let i = 1; i < raw.length; i++) value = value * 256 + raw[i];
    return value;
  }
  const text = raw.toString('latin1').replace(/[\0 ]+$/, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

/** The header's checksum: the sum of its bytes with the checksum field read as spaces. */
function checkHeaderSum(block: Buffer): void {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  const stored = octalOrBinary(block.subarray(148, 156));
  if (stored !== sum) throw new Error(`a tar header fails its checksum (stored ${stored}, computed ${sum}): the stream is corrupt`);
}
