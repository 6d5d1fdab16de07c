// Wakes the decision loop the moment the supervisor reports that PostgreSQL's status changed (the
// postmaster died, was fenced, or finished stopping), instead of at the next retry period: a crashed
// primary is restarted, and a stopped one handed over, a retry period sooner.
import { watch, type FSWatcher } from 'node:fs';
import type { SupervisorClient } from './supervisor-client';

export class SupervisorWatch {
  private watcher: FSWatcher | null = null;
  private lastStatus: string | null = null;

  constructor(
    private readonly runDir: string,
    private readonly supervisor: SupervisorClient,
    private readonly onChange: () => void,
  ) {}

  /** Starts watching; a run folder that cannot be watched only costs the faster reaction. */
  start(): void {
    try {
      this.watcher = watch(this.runDir, (_event, file) => {
        if (file === 'supervisor.json') void this.check();
      });
      this.watcher.on('error', () => this.stop());
    } catch {
      this.watcher = null;
    }
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = null;
  }

  private async check(): Promise<void> {
    const state = await this.supervisor.readState();
    if (!state) return;
    const status = `${state.boot}:${state.postgres.status}`;
    if (this.lastStatus !== null && status !== this.lastStatus) this.onChange();
    this.lastStatus = status;
  }
}
