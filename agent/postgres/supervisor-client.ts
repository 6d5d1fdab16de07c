// The agent's side of the supervisor protocol (agent/README.md): commands go down a FIFO in the shared
// /run/pgha emptyDir, answers come back in supervisor.json. The heartbeat file is the fencing deadline the
// supervisor enforces on its own.
import { constants } from 'node:fs';
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface SupervisorState {
  readonly boot: string;
  readonly seq: number;
  /** false in the last state a supervisor writes before it exits (SIGTERM). */
  readonly alive: boolean;
  /** The major version of the postgres container's binaries ('' when `postgres -V` could not tell). */
  readonly major?: string;
  /** Processes of the postgres container the kernel's OOM killer ended since the container started (-1: unknown). */
  readonly oomKills?: number;
  /**
   * `exits`: postmaster exits nobody asked for (a crash, the OOM killer, kill -9) since the container
   * started; `lastExit`: the last one's exit status (128 + the signal when a signal ended it).
   */
  readonly postgres: {
    readonly status: 'stopped' | 'running' | 'exited' | 'fenced';
    readonly mode: 'none' | 'primary' | 'standby';
    readonly pid: number;
    readonly exits?: number;
    readonly lastExit?: number;
  };
  readonly command: { readonly id: string; readonly verb: string; readonly status: '' | 'running' | 'ok' | 'failed'; readonly message: string };
}

export type Verb = 'init' | 'start-primary' | 'start-standby' | 'promote' | 'stop' | 'reload' | 'clone' | 'rewind' | 'unpack' | 'install-restore' | 'base-backup' | 'base-backup-cancel';

export interface CommandResult {
  readonly ok: boolean;
  readonly message: string;
}

/** How long each command may take before the agent stops waiting (the supervisor carries on regardless). */
const COMMAND_LIMIT_MS: Record<Verb, number> = {
  init: 300_000,
  'start-primary': 60_000,
  'start-standby': 60_000,
  promote: 10_000,
  stop: 120_000,
  reload: 5_000,
  clone: 6 * 3_600_000,
  rewind: 6 * 3_600_000,
  unpack: 6 * 3_600_000,
  'install-restore': 120_000,
  // Both answer at once: the backup itself runs in the background (agent/backup/backup-source.ts).
  'base-backup': 10_000,
  'base-backup-cancel': 10_000,
};

const POLL_MS = 10;

export class SupervisorClient {
  private readonly fifo: string;
  private readonly stateFile: string;
  private readonly heartbeatFile: string;
  private readonly resultsDir: string;
  private counter = 0;
  private readonly idPrefix = Date.now().toString(36);

  constructor(runDir: string) {
    this.fifo = join(runDir, 'cmd');
    this.stateFile = join(runDir, 'supervisor.json');
    this.heartbeatFile = join(runDir, 'heartbeat');
    this.resultsDir = join(runDir, 'results');
  }

  /** null until the supervisor wrote its first state (or while the file is being replaced). */
  async readState(): Promise<SupervisorState | null> {
    try {
      return JSON.parse(await readFile(this.stateFile, 'utf8')) as SupervisorState;
    } catch {
      return null;
    }
  }

  static limitMs(verb: Verb): number {
    return COMMAND_LIMIT_MS[verb];
  }

  async run(verb: Verb, ...args: string[]): Promise<CommandResult> {
    const before = await this.readState();
    if (!before || !before.alive) return { ok: false, message: 'the supervisor is not running' };
    const id = `${this.idPrefix}-${++this.counter}`;
    try {
      // Non-blocking: with no reader (supervisor gone) the open fails at once instead of hanging the agent.
      const handle = await open(this.fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      try {
        await handle.write(`${[id, verb, ...args].join(' ')}\n`);
      } finally {
        await handle.close();
      }
    } catch (error) {
      return { ok: false, message: `cannot reach the supervisor: ${(error as Error).message}` };
    }
    // On the monotonic clock: a wall clock stepped forward would cut the wait short (a command reported
    // failed that the supervisor carries out), one stepped back would stretch it by the step.
    const deadline = performance.now() + COMMAND_LIMIT_MS[verb];
    const resultFile = join(this.resultsDir, id);
    while (performance.now() < deadline) {
      const answer = await readFile(resultFile, 'utf8').catch(() => null);
      if (answer !== null) {
        await rm(resultFile, { force: true });
        const [status, ...message] = answer.replace(/\n$/, '').split('\n');
        return { ok: status === 'ok', message: message.join('\n') };
      }
      const state = await this.readState();
      if (state && state.boot !== before.boot) return { ok: false, message: 'the supervisor restarted while running the command' };
      if (state && !state.alive) return { ok: false, message: 'the supervisor exited (pod terminating)' };
      await sleep(POLL_MS);
    }
    return { ok: false, message: `no answer to ${verb} within ${COMMAND_LIMIT_MS[verb] / 1000}s` };
  }

  /**
   * `deadlineBootMs` on the boot clock (boot-clock.ts), written as `boot <ms>`: a supervisor from before
   * that format reads it as no deadline and fences at once, which is safe, never late.
   */
  async writeHeartbeat(deadlineBootMs: number): Promise<void> {
    const tmp = `${this.heartbeatFile}.tmp`;
    await writeFile(tmp, `boot ${Math.floor(deadlineBootMs)}\n`);
    await rename(tmp, this.heartbeatFile);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
