// The kernel's OOM killer ending a PostgreSQL process under the container's memory limit. A killed backend
// does not end the container (the postmaster survives it, ends the other backends and recovers as after a
// crash), so the kubelet reports no OOMKilled: only the memory cgroup's count, which the supervisor
// reports, tells it. Each rise this agent sees becomes a Warning Event and a log line; a count already
// above zero when the agent starts is its baseline (an agent restart does not repeat an Event).
import type { EventRecorder } from '../kube/events';
import type { SupervisorState } from '../postgres/supervisor-client';
import { CountRise } from './count-rise';
import type { Logger } from './log';

export class OomKillReporter {
  private readonly rise = new CountRise();

  constructor(
    private readonly readState: () => Promise<SupervisorState | null>,
    private readonly events: Pick<EventRecorder, 'record'>,
    private readonly pod: string,
    private readonly log: Pick<Logger, 'info'>,
  ) {}

  start(everyMs: number): void {
    setInterval(() => void this.check(), everyMs).unref();
  }

  /** Returns the Event's message when it posted one. */
  async check(): Promise<string | null> {
    const state = await this.readState();
    const count = state?.oomKills;
    if (!state || count === undefined || count < 0) return null;
    // A new supervisor boot is a new container, and so a new memory cgroup counting from 0.
    const killed = this.rise.next(state.boot, count);
    if (killed === null) return null;
    const message = `the kernel's OOM killer ended ${killed} process(es) of the postgres container (${count} since it started), under its memory limit: `
      + 'PostgreSQL ends its other sessions and recovers as after a crash; raise the container\'s memory limit (resources) or lower what PostgreSQL may use (work_mem, shared_buffers, max_connections)';
    this.log.info('oom-kill', { outcome: message });
    await this.events.record({ name: this.pod }, 'Warning', 'OOMKilled', message);
    return message;
  }
}
