// The agent's side of wal.sh (agent/README.md, "WAL protocol"): PostgreSQL's archive_command and
// restore_command leave a request file in <run>/wal; this answers each one after the store did.
//
// Archive: read the segment from the data volume, compress it (gzip or zstd, compression.ts; unless the
// compression is none), and store it under its stable key with the SHA-256 of the uncompressed bytes as
// metadata; answer `ok` only after the store answered 200. A file already stored with the same bytes, under any compression's key, is
// success (every member archives, `archive_mode = always`, so the primary and its standbys offer the same
// segments, and members may run different settings while a change rolls out); one stored with different
// bytes is refused and never overwritten: the archive a restore trusts is not rewritten by a member that
// diverged. A restored cluster does not copy what its source's archive already holds (see heldBySource).
// Restore: fetch the file (under the configured compression's key, else the others': a store holds every
// kind after the setting changed), decompress a `.gz` or `.zst` one, into the spool folder and answer `ok <path>`, or
// `missing`; the next few segments are fetched meanwhile (wal-prefetch.ts), so recovery does not wait a
// round trip for each.
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compressWal, decompressWal, type Zstd } from './compression';
import { COMPRESSIONS, isWalFileName, walKey, type Compression } from './layout';
import type { HeadResult } from './s3';
import { segmentSize, WalPrefetch } from './wal-prefetch';

/** What the server needs of the store (S3Store; tests may wrap it). */
export interface WalStore {
  put(key: string, body: Buffer, metadata: Readonly<Record<string, string>>): Promise<void>;
  get(key: string): Promise<Buffer | null>;
  head(key: string): Promise<HeadResult | null>;
}

export interface WalServerOptions {
  readonly runDir: string;
  readonly pgdata: string;
  /** Where restored files wait for wal.sh to copy them into pg_wal (the shared /tmp in a pod). */
  readonly spoolDir: string;
  readonly store: WalStore;
  /** `<prefix>/<cluster>/<system identifier>/`: known once pg_control can be read. */
  readonly archiveRoot: () => Promise<string>;
  /** How archived files are written (PGHA_BACKUP_COMPRESSION); restores read any kind. */
  readonly compression: Compression;
  /** node:zlib's zstd; tests give one without it (an older Node.js). */
  readonly zstd?: Zstd;
  /**
   * Where restore_command reads from, when not from the archive above: a cluster bootstrapped from a
   * backup recovers from the source's store and root (restore.ts) and archives to its own.
   */
  readonly restoreFrom?: { readonly store: Pick<WalStore, 'get' | 'head'>; readonly root: () => Promise<string> };
  /** Called after each request, for logs and Events. */
  readonly onResult?: (result: WalResult) => void;
}

export interface WalResult {
  readonly verb: 'archive' | 'restore';
  readonly name: string;
  readonly ok: boolean;
  /** `stored`, `already stored`, `in the source's archive`, `restored`, `missing`, or the error. */
  readonly detail: string;
  readonly at: Date;
}

/** How often the folder is scanned besides the watch (a watch can miss an event on some file systems). */
const SCAN_MS = 500;
const SHA256_METADATA = 'pgha-sha256';
/** A WAL segment (not a history, backup or partial file): what recovery asks for in order. */
const SEGMENT = /^[0-9A-F]{24}$/;

export class WalServer {
  readonly dir: string;
  private readonly inFlight = new Set<string>();
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly prefetch: WalPrefetch;
  /** The cluster's WAL segment size, from the first segment restored. */
  private segmentBytes: number | null = null;
  /** Counters for /status and /metrics. */
  readonly stats = { archived: 0, archiveFailures: 0, lastArchived: null as WalResult | null, lastFailure: null as WalResult | null };

  constructor(private readonly options: WalServerOptions) {
    this.dir = join(options.runDir, 'wal');
    this.prefetch = new WalPrefetch(options.spoolDir, (name, file) => this.fetch(name, file));
  }

  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await mkdir(this.options.spoolDir, { recursive: true });
    this.watcher = watch(this.dir, () => void this.scan());
    this.timer = setInterval(() => void this.scan(), SCAN_MS);
    this.timer.unref();
    await this.scan();
  }

  stop(): void {
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    void this.prefetch.clear();
  }

  /** Segments PostgreSQL has finished and not yet archived: the `.ready` files of pg_wal/archive_status. */
  async backlog(): Promise<number> {
    const names = await readdir(join(this.options.pgdata, 'pg_wal', 'archive_status')).catch(() => []);
    return names.filter((n) => n.endsWith('.ready')).length;
  }

  private async scan(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const request of names) {
      const match = /^(.+)\.(archive|restore)$/.exec(request);
      if (!match || this.inFlight.has(request)) continue;
      this.inFlight.add(request);
      void this.serve(request, match[1], match[2] as 'archive' | 'restore').finally(() => this.inFlight.delete(request));
    }
  }

  private async serve(request: string, name: string, verb: 'archive' | 'restore'): Promise<void> {
    const requestFile = join(this.dir, request);
    let reply: string;
    let result: WalResult;
    try {
      if (!isWalFileName(name)) throw new Error(`'${name}' is not a WAL file name`);
      const path = (await readFile(requestFile, 'utf8')).trim();
      if (verb === 'archive') {
        const detail = await this.archive(await this.options.archiveRoot(), join(this.options.pgdata, path), name);
        reply = 'ok';
        result = { verb, name, ok: true, detail, at: new Date() };
      } else {
        const spooled = await this.restore(name);
        reply = spooled ? `ok ${spooled}` : 'missing';
        result = { verb, name, ok: spooled !== null, detail: spooled ? 'restored' : 'missing', at: new Date() };
      }
    } catch (error) {
      const message = (error as Error).message.replace(/\s+/g, ' ');
      reply = `error ${message}`;
      result = { verb, name, ok: false, detail: message, at: new Date() };
    }
    if (verb === 'archive') {
      if (result.ok) {
        this.stats.archived++;
        this.stats.lastArchived = result;
      } else {
        this.stats.archiveFailures++;
        this.stats.lastFailure = result;
      }
    }
    // The request goes first: wal.sh, seeing the answer, may write the next request of the same name.
    await rm(requestFile, { force: true });
    await writeFile(`${requestFile}.answer.tmp`, `${reply}\n`);
    await rename(`${requestFile}.answer.tmp`, `${requestFile}.answer`);
    this.options.onResult?.(result);
  }

  private async archive(root: string, file: string, name: string): Promise<string> {
    const bytes = await readFile(file);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    for (const compression of this.readOrder()) {
      const key = walKey(root, name, compression);
      const existing = await this.options.store.head(key);
      if (!existing) continue;
      if (existing.metadata[SHA256_METADATA] === sha256) return 'already stored';
      throw new Error(`${key} already holds different content (sha256 ${existing.metadata[SHA256_METADATA] ?? 'unknown'}, this file ${sha256}); not overwritten`);
    }
    if (await this.heldBySource(name, sha256)) return "in the source's archive";
    const compression = this.options.compression;
    await this.options.store.put(walKey(root, name, compression), await compressWal(bytes, compression, this.options.zstd), { [SHA256_METADATA]: sha256 });
    return 'stored';
  }

  /** The configured compression's key first (the one a file is most likely under), then the others. */
  private readOrder(): Compression[] {
    return [this.options.compression, ...COMPRESSIONS.filter((c) => c !== this.options.compression)];
  }

  /**
   * Whether a restored cluster's source archived this very file. With `archive_mode = always` PostgreSQL
   * offers every file recovery fetched through restore_command again: copying them all gzipped and
   * uploaded the source's whole WAL a second time while recovery ran (the restore's time to ready) and
   * doubled it in the store, for nothing: this cluster's own backups all start after its promotion, so
   * no restore of it reads WAL from before. Its new timeline's files are never in the source's archive.
   */
  private async heldBySource(name: string, sha256: string): Promise<boolean> {
    const from = this.options.restoreFrom;
    if (!from) return false;
    const root = await from.root();
    for (const compression of this.readOrder()) {
      const held = await from.store.head(walKey(root, name, compression));
      if (held) return held.metadata[SHA256_METADATA] === sha256;
    }
    return false;
  }

  private async restore(name: string): Promise<string | null> {
    const spooled = join(this.options.spoolDir, name);
    const segment = SEGMENT.test(name);
    if (!(segment && (await this.prefetch.take(name, spooled)))) {
      if (!(await this.fetch(name, `${spooled}.tmp`))) return null;
      await rename(`${spooled}.tmp`, spooled);
    }
    if (segment && this.segmentBytes) this.prefetch.fetchAfter(name, this.segmentBytes);
    return spooled;
  }

  /** Fetches `name` (decompressed, when stored so) from where restores read into `file`; false when the store has no such file. */
  private async fetch(name: string, file: string): Promise<boolean> {
    const from = this.options.restoreFrom ?? { store: this.options.store, root: this.options.archiveRoot };
    const root = await from.root();
    let bytes: Buffer | null = null;
    for (const compression of this.readOrder()) {
      const stored = await from.store.get(walKey(root, name, compression));
      if (!stored) continue;
      bytes = await decompressWal(stored, compression, this.options.zstd);
      break;
    }
    if (!bytes) return false;
    if (SEGMENT.test(name)) this.segmentBytes ??= segmentSize(bytes);
    await writeFile(file, bytes);
    return true;
  }
}
