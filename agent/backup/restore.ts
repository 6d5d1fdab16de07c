// Bootstraps a cluster from the object store instead of initdb (README.md, "Restore and point-in-time
// recovery"): choose the base backup for the target among the complete ones (backup.json present), stream
// its tar (base.tar.gz, base.tar.zst or base.tar, as its backup.json records) through a FIFO into the supervisor's tar (the agent's data mount is read-only; the backup is
// never held in memory), check its SHA-256 against backup.json, install it with recovery.signal, and start
// PostgreSQL with the recovery settings; recovery fetches the WAL through wal.sh from the source's archive
// and promotes at the target. Done once PostgreSQL has left recovery.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { Readable } from 'node:stream';
import { sleep, type CommandResult, type SupervisorState, type Verb } from '../postgres/supervisor-client';
import { parseBackupRecord, type BaseBackupRecord } from './backup-record';
import { archiveRoot, backupKey, baseTarObject } from './layout';
import { chooseBackup, describeTarget, recoverySettings, type RecoveryTarget } from './recovery-target';

/** What a restore reads of the store (S3Store). */
export interface RestoreStore {
  folders(prefix: string): Promise<string[]>;
  list(prefix: string): Promise<ReadonlyArray<{ readonly key: string }>>;
  get(key: string): Promise<Buffer | null>;
  stream(key: string): Promise<Readable | null>;
}

export interface RestoreSource {
  readonly store: RestoreStore;
  readonly prefix: string;
  readonly cluster: string;
  /** The source's life to restore; null: any, the backup the target picks decides. */
  readonly systemIdentifier: string | null;
  /** For messages: `<bucket>` as the user named it. */
  readonly bucket: string;
}

export interface RestoreDeps {
  readonly source: RestoreSource;
  readonly target: RecoveryTarget;
  readonly supervisor: {
    run(verb: Verb, ...args: string[]): Promise<CommandResult>;
    readState(): Promise<SupervisorState | null>;
  };
  /** Writes dynamic.conf with these recovery settings. */
  readonly writeRecoveryConf: (settings: ReadonlyArray<readonly [string, string]>) => Promise<void>;
  /** start-primary (with TLS files in place first, when TLS is on). */
  readonly startPostgres: () => Promise<CommandResult>;
  /** pg_is_in_recovery(), or null while PostgreSQL does not answer. */
  readonly inRecovery: () => Promise<boolean | null>;
  /** A folder both containers share (the pod's /tmp): the FIFO lives there. */
  readonly spoolDir: string;
  /** PostgreSQL's restore_command (wal.sh restore). */
  readonly restoreCommand: string;
  /** Told what the restore does now, for /status. */
  readonly progress: (detail: string) => void;
  /** Wall-clock milliseconds. */
  readonly now: () => number;
}

export type RestoreResult =
  | { readonly ok: true; readonly backup: BaseBackupRecord; readonly seconds: number; readonly detail: string }
  | { readonly ok: false; readonly reason: string };

/** How often a recovering PostgreSQL is asked whether it has promoted: a local query, cheap; every 100 ms lost here is RTO. */
const RECOVERY_POLL_MS = 100;

class RestoreFailure extends Error {}

export class RestoreRunner {
  constructor(private readonly d: RestoreDeps) {}

  describe(): string {
    const { source, target } = this.d;
    return `${describeTarget(target)} from ${source.bucket}/${source.prefix}/${source.cluster}/${source.systemIdentifier ? `${source.systemIdentifier}/` : ''}`;
  }

  async run(): Promise<RestoreResult> {
    const startedAt = this.d.now();
    let started = false;
    try {
      this.d.progress('choosing a base backup');
      const backup = await this.choose();
      await this.checkMajor(backup);
      this.d.progress(`downloading and unpacking base backup ${backup.id} (${backup.compressedBytes} bytes)`);
      await this.unpack(backup);
      const installed = await this.d.supervisor.run('install-restore');
      if (!installed.ok) throw new RestoreFailure(installed.message);
      await this.d.writeRecoveryConf(recoverySettings(this.d.target, this.d.restoreCommand));
      this.d.progress(`recovering from base backup ${backup.id} to ${describeTarget(this.d.target)}`);
      const start = await this.d.startPostgres();
      if (!start.ok) throw new RestoreFailure(`starting PostgreSQL for recovery failed: ${start.message}`);
      started = true;
      await this.waitForPromotion();
      const seconds = Math.round((this.d.now() - startedAt) / 100) / 10;
      return { ok: true, backup, seconds, detail: `restored base backup ${backup.id} to ${describeTarget(this.d.target)} in ${seconds} s` };
    } catch (error) {
      // Never leave a half-recovered PostgreSQL running: the next attempt starts from a fresh unpack.
      if (started) await this.d.supervisor.run('stop', 'immediate');
      return { ok: false, reason: (error as Error).message };
    }
  }

  /** Every complete backup of the source (of its one life, or of all), then the one the target needs. */
  private async choose(): Promise<BaseBackupRecord> {
    const { store, prefix, cluster, systemIdentifier } = this.d.source;
    const clusterPrefix = `${prefix}/${cluster}/`;
    const lives = systemIdentifier
      ? [systemIdentifier]
      : (await store.folders(clusterPrefix)).map((folder) => folder.slice(clusterPrefix.length).replace(/\/$/, ''));
    const records: BaseBackupRecord[] = [];
    const unreadable: string[] = [];
    for (const life of lives) {
      const root = archiveRoot(prefix, cluster, life);
      for (const { key } of await store.list(`${root}base/`)) {
        if (!key.endsWith('/backup.json')) continue;
        const text = await store.get(key);
        try {
          const record = parseBackupRecord(text?.toString('utf8') ?? '');
          if (record.systemIdentifier !== life) throw new Error(`it names system identifier ${record.systemIdentifier}`);
          records.push(record);
        } catch (error) {
          unreadable.push(`${key}: ${(error as Error).message}`);
        }
      }
    }
    const choice = chooseBackup(records, this.d.target);
    if (!choice.ok) {
      const where = `${this.d.source.bucket}/${clusterPrefix}${systemIdentifier ? `${systemIdentifier}/` : ''}`;
      throw new RestoreFailure(`${choice.reason} under ${where}${unreadable.length ? `; unreadable: ${unreadable.join('; ')}` : ''}`);
    }
    return choice.record;
  }

  private async checkMajor(backup: BaseBackupRecord): Promise<void> {
    const binaries = (await this.d.supervisor.readState())?.major;
    if (binaries && binaries !== String(backup.postgresMajor)) {
      throw new RestoreFailure(`base backup ${backup.id} is PostgreSQL ${backup.postgresMajor}, these binaries are PostgreSQL ${binaries}`);
    }
  }

  /**
   * Streams the backup's tar from the store into the supervisor's tar through a FIFO, hashing it on the
   * way. The FIFO is named like the object: the supervisor gunzips a `.tar.gz`, runs a `.tar.zst` through zstd
   * (supervisor.sh `unpack` says why there) and reads a `.tar` as it is.
   */
  private async unpack(backup: BaseBackupRecord): Promise<void> {
    const object = baseTarObject(backup.compression);
    const key = backupKey(archiveRoot(this.d.source.prefix, this.d.source.cluster, backup.systemIdentifier), backup.id, object);
    const body = await this.d.source.store.stream(key);
    if (!body) throw new RestoreFailure(`${key} is missing although backup.json lists it`);
    const fifo = join(this.d.spoolDir, `pgha-restore-${backup.id}.${object}`);
    try {
      await rm(fifo, { force: true });
      await promisify(execFile)('mkfifo', ['-m', '0600', fifo]);
    } catch (error) {
      body.destroy();
      throw error;
    }
    const hash = createHash('sha256');
    let bytes = 0;
    const digest = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    try {
      const unpacked = this.d.supervisor.run('unpack', fifo).then(async (result) => {
        // A supervisor that refused before opening the FIFO leaves our open for writing blocked: a reader
        // that comes and goes releases it, and the write then fails.
        if (!result.ok) await (await open(fifo, constants.O_RDONLY | constants.O_NONBLOCK)).close();
        return result;
      });
      const streamed = pipeline(body, digest, createWriteStream(fifo)).then(
        () => null,
        (error: Error) => error,
      );
      const [result, streamError] = await Promise.all([unpacked, streamed]);
      if (!result.ok) throw new RestoreFailure(result.message);
      if (streamError) throw new RestoreFailure(`downloading ${key} failed: ${streamError.message}`);
    } finally {
      await rm(fifo, { force: true });
    }
    const sha256 = hash.digest('hex');
    if (sha256 !== backup.compressedSha256 || bytes !== backup.compressedBytes) {
      throw new RestoreFailure(`${key} is ${bytes} bytes with SHA-256 ${sha256}; backup.json records ${backup.compressedBytes} bytes with ${backup.compressedSha256}`);
    }
  }

  /** Recovery ends with promotion (recovery_target_action = promote, or the end of the archive). */
  private async waitForPromotion(): Promise<void> {
    for (;;) {
      const state = await this.d.supervisor.readState();
      if (state && state.postgres.status !== 'running') {
        throw new RestoreFailure(`PostgreSQL stopped during recovery (${state.postgres.status}); its reason is in the postgres container's log (a target after the end of the archive ends recovery that way)`);
      }
      if ((await this.d.inRecovery()) === false) return;
      await sleep(RECOVERY_POLL_MS);
    }
  }
}
