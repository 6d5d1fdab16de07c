// Where the tar of a base backup comes from: the supervisor runs `pg_basebackup -D - -Ft -X none` in the
// background with its stdout on a FIFO in the shared /run/pgha (agent/README.md, "Base backups"); this
// reads the FIFO. The supervisor's command loop and its heartbeat fence go on meanwhile.
import { constants } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sleep, type SupervisorClient } from '../postgres/supervisor-client';
import { FifoReader } from './fifo-reader';

export interface BackupRun {
  /** The tar, manifest appended, as pg_basebackup writes it. */
  readonly stream: NodeJS.ReadableStream;
  /** pg_basebackup's exit code and its last message ('' when it printed none: a broken pipe, a cancel). */
  finished(): Promise<{ readonly code: number; readonly message: string }>;
  /** Stops pg_basebackup (the upload failed). */
  cancel(): Promise<void>;
}

export interface BackupSource {
  start(id: string): Promise<BackupRun>;
}

/** The supervisor opens its end of the FIFO at once; a longer wait means it never will (it restarted). */
const OPEN_LIMIT_MS = 30_000;
const POLL_MS = 200;

export class SupervisorBackupSource implements BackupSource {
  private readonly dir: string;

  constructor(
    private readonly supervisor: Pick<SupervisorClient, 'run' | 'readState'>,
    runDir: string,
  ) {
    this.dir = join(runDir, 'backup');
  }

  async start(id: string): Promise<BackupRun> {
    const started = await this.supervisor.run('base-backup', id);
    if (!started.ok) throw new Error(`the supervisor did not start pg_basebackup: ${started.message}`);
    const fifo = join(this.dir, `${id}.tar`);
    const stream = await openFifo(fifo);
    const exitFile = join(this.dir, `${id}.exit`);
    const logFile = join(this.dir, `${id}.log`);
    const boot = (await this.supervisor.readState())?.boot;
    return {
      stream,
      finished: async () => {
        for (;;) {
          const code = await readFile(exitFile, 'utf8').catch(() => null);
          if (code !== null) {
            const log = (await readFile(logFile, 'utf8').catch(() => '')).trim();
            await rm(exitFile, { force: true });
            await rm(logFile, { force: true });
            const lines = log.split('\n').filter((l) => l && !l.startsWith('NOTICE:'));
            return { code: Number(code.trim()), message: lines.at(-1) ?? '' };
          }
          const state = await this.supervisor.readState();
          if (state && (state.boot !== boot || !state.alive)) return { code: -1, message: 'the supervisor restarted during the backup' };
          await sleep(POLL_MS);
        }
      },
      cancel: async () => {
        stream.destroy();
        await this.supervisor.run('base-backup-cancel', id);
      },
    };
  }
}

/**
 * Opening a FIFO for reading blocks until a writer opens it, in one of libuv's few threads. Should the
 * supervisor never open its end, opening the write end here (and closing it) releases the wait.
 */
async function openFifo(path: string): Promise<FifoReader> {
  const timer = setTimeout(() => {
    void open(path, constants.O_WRONLY | constants.O_NONBLOCK)
      .then((handle) => handle.close())
      .catch(() => undefined);
  }, OPEN_LIMIT_MS);
  try {
    const handle = await open(path, constants.O_RDONLY);
    return new FifoReader(handle);
  } finally {
    clearTimeout(timer);
  }
}
