// The lease holder's side of a bootstrap from a backup: runs backup/restore.ts in the background (a
// restore takes as long as the download and the replay; the loop keeps renewing the lease meanwhile),
// keeps its progress in Memory for decide() and /status, and tells it in Events.
import { join } from 'node:path';
import { RestoreRunner } from '../backup/restore';
import { LocalSql } from '../postgres/local-sql';
import { EMPTY_SYNC } from '../core/sync-standbys';
import type { RestoreProgress } from '../core/types';
import type { ActorDeps } from './actor-deps';
import type { Effects } from './effects';

/** A failed restore is tried again after this pause, from scratch (the reason stays in /status meanwhile). */
export const RESTORE_RETRY_MS = 60_000;
/** Shared by both containers (the pod's /tmp emptyDir): the FIFO the backup streams through. */
const SPOOL_DIR = '/tmp';

export class RestoreSteps {
  private running = false;

  constructor(
    private readonly d: ActorDeps,
    private readonly effects: Effects,
  ) {}

  start(): string {
    const setup = this.d.restore;
    if (!setup) return 'no restore configured';
    if (this.running) return 'the restore is running';
    this.running = true;
    // A connection of its own: the loop's is reopened on any error, which a refused probe here would cause.
    const sql = new LocalSql(join(this.d.config.runDir, 'socket'), this.d.config.postgresPort);
    const runner = new RestoreRunner({
      ...setup,
      supervisor: this.d.supervisor,
      writeRecoveryConf: (recovery) => this.effects.writeDynamic(null, EMPTY_SYNC, recovery),
      startPostgres: async () => {
        const tls = await this.d.tls.ensure();
        return tls.ok ? this.d.supervisor.run('start-primary') : { ok: false, message: tls.reason };
      },
      inRecovery: () => sql.query<{ r: boolean }>('select pg_is_in_recovery() as r').then(([row]) => row.r, () => null),
      spoolDir: SPOOL_DIR,
      restoreCommand: setup.restoreCommand,
      progress: (detail) => this.set({ phase: 'running', detail }),
      now: this.d.wallNow,
    });
    this.set({ phase: 'running', detail: 'starting' });
    void this.effects.event('Normal', 'RestoreStarted', `bootstrapping from a backup: restoring ${runner.describe()}`);
    void runner
      .run()
      .then(async (result) => {
        if (result.ok) {
          // The recovery settings go: a later standby role must not stop at the restore's target.
          await this.effects.writeDynamic(null, EMPTY_SYNC);
          await this.d.supervisor.run('reload');
          const b = result.backup;
          this.set({ phase: 'done', detail: result.detail });
          void this.effects.event('Normal', 'RestoreCompleted', `${result.detail} (backup taken ${b.startedAt} by ${b.member}, system identifier ${b.systemIdentifier}); promoted`);
        } else {
          this.set({ phase: 'failed', reason: result.reason, retryAt: this.d.now() + RESTORE_RETRY_MS });
          void this.effects.event('Warning', 'RestoreFailed', `bootstrapping from a backup failed: ${result.reason}; retrying in ${RESTORE_RETRY_MS / 1000} s`);
        }
      })
      .catch((error: Error) => this.set({ phase: 'failed', reason: error.message, retryAt: this.d.now() + RESTORE_RETRY_MS }))
      .finally(() => {
        this.running = false;
        void sql.close();
      });
    return `restore started: ${runner.describe()}`;
  }

  private set(restore: RestoreProgress): void {
    this.d.state.memory = { ...this.d.state.memory, restore };
  }
}
