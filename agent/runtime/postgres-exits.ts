// The postmaster ending without being asked (a crash, the kernel's OOM killer choosing it, kill -9). The
// supervisor, the container's main process, lives on and reports the exit; the agent starts PostgreSQL
// again (crash recovery, in place), so the kubelet sees no restart and only this Event tells it. A count
// already above zero when the agent starts is its baseline (an agent restart does not repeat an Event).
import type { EventRecorder } from '../kube/events';
import type { SupervisorState } from '../postgres/supervisor-client';
import { CountRise } from './count-rise';
import type { Logger } from './log';

export class PostgresExitReporter {
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
    const count = state?.postgres.exits;
    if (!state || count === undefined) return null;
    const exits = this.rise.next(state.boot, count);
    if (exits === null) return null;
    const times = exits === 1 ? '' : ` (${exits} times)`;
    const message = `PostgreSQL's postmaster (${state.postgres.mode}) ended without being asked${times}: ${describeExit(state.postgres.lastExit ?? 0)}; `
      + 'the agent starts it again and it recovers as after a crash (kubectl logs -c postgres tells more)';
    this.log.info('postgres-exit', { outcome: message });
    await this.events.record({ name: this.pod }, 'Warning', 'PostgresExited', message);
    return message;
  }
}

/** An exit status as the shell reports it: 128 + the signal's number when a signal ended the process. */
function describeExit(status: number): string {
  if (status === 137) return 'killed (SIGKILL: the kernel\'s OOM killer under the container\'s memory limit, or a kill -9)';
  if (status > 128) return `ended by signal ${status - 128}`;
  return `exit status ${status}`;
}
