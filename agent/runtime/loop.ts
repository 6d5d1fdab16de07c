// The decision loop: every retry period (or at once when woken) observe → decide → act, then log one line.
// Ticks never overlap; a wake-up during a tick runs another tick right after it.
import { decide } from '../core/decide';
import type { Action, Observation } from '../core/types';
import type { HolderWatch } from '../peers/holder-watch';
import { SupervisorClient } from '../postgres/supervisor-client';
import type { Actor } from './actor';
import type { Logger } from './log';
import { observe, type ObserverDeps } from './observer';
import type { RuntimeState } from './state';

/** Actions after which the world changed little: look again after a retry period, and log only a new reason. */
const STEADY = new Set(['wait', 'lead/serve', 'lead/wait-ready', 'follow/stream', 'failsafe', 'refuse']);
/** Steady for the log, but the action itself already waited up to a retry period: look again at once. */
const WAITED = new Set(['lead/wait-ready']);

export interface LoopDeps {
  readonly observer: ObserverDeps;
  readonly actor: Actor;
  readonly state: RuntimeState;
  readonly log: Logger;
  readonly holderWatch: HolderWatch;
  readonly onExit: () => void;
}

export class AgentLoop {
  private running = false;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private lastLogged = '';
  private lastSuspect: string | null = null;
  private latest: Observation | null = null;
  lastTickAt: number | null = null;
  actionStartedAt: number | null = null;
  actionLimitMs = 0;

  constructor(private readonly d: LoopDeps) {}

  get observation(): Observation | null {
    return this.latest;
  }

  start(): void {
    this.wake();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.d.holderWatch.stop();
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    void this.tick();
  }

  private async tick(): Promise<void> {
    this.running = true;
    const { config } = this.d.observer;
    const started = this.d.observer.now();
    let action: Action = { type: 'wait', reason: 'tick failed' };
    try {
      const o = await observe(this.d.observer, this.d.state.memory);
      this.latest = o;
      const holder = o.lease.kind === 'present' ? o.lease.holder : null;
      this.d.holderWatch.follow(holder !== null && holder !== config.podName ? holder : null);
      this.noteSuspectHolder(o, holder);
      action = decide(o);
      const key = actionKey(action);
      this.d.state.metrics.decisions.set(key, (this.d.state.metrics.decisions.get(key) ?? 0) + 1);
      this.actionStartedAt = this.d.observer.now();
      this.actionLimitMs = limitFor(action);
      const outcome = await this.d.actor.act(action, o).catch((error: Error) => `failed: ${error.message}`);
      this.actionStartedAt = null;
      this.report(action, outcome, this.d.observer.now() - started);
      if (!STEADY.has(key) || WAITED.has(key)) this.again = true;
    } catch (error) {
      this.actionStartedAt = null;
      this.d.log.error('tick failed', { error: (error as Error).stack ?? String(error) });
    } finally {
      this.running = false;
      this.lastTickAt = this.d.observer.now();
    }
    if (action.type === 'exit' || action.type === 'step-down') {
      this.stop();
      this.d.onExit();
      return;
    }
    if (this.stopped) return;
    const delay = this.again ? 0 : nextTickDelay(this.latest, config.retryPeriodMs, started, this.d.observer.now());
    this.again = false;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick();
    }, delay);
  }

  /**
   * One line when the holder's agent starts refusing connections, with what its PostgreSQL port said:
   * the fast path's evidence, which the decision's own line does not show while this member keeps
   * following (the holder's PostgreSQL still open).
   */
  private noteSuspectHolder(o: Observation, holder: string | null): void {
    const view = holder === null || holder === this.d.observer.config.podName ? undefined : o.peers.find((p) => p.name === holder);
    const suspect = view && view.agent !== 'ok' ? `${holder}: agent ${view.agent}, postgres ${view.postgres}` : null;
    if (suspect !== null && suspect !== this.lastSuspect) this.d.log.info('holder-suspect', { holder, agent: view?.agent, postgres: view?.postgres, silentForMs: o.lease.kind === 'present' ? Math.round(o.lease.silentForMs) : null });
    this.lastSuspect = suspect;
  }

  /** One line per decision that changed something, or whose reason changed since the last line. */
  private report(action: Action, outcome: string, ms: number): void {
    const key = actionKey(action);
    const line = `${key}|${action.reason}|${STEADY.has(key) ? '' : outcome}`;
    if (line === this.lastLogged && STEADY.has(key)) return;
    this.lastLogged = line;
    this.d.log.info(key, { reason: action.reason, outcome, ms: Math.round(ms) });
  }
}

/**
 * A retry period after the tick started, or sooner: right after another holder's lease would expire, so
 * a takeover costs the lease duration and not up to a retry period more; and soon while the holder's agent
 * has just stopped answering (refusing, or failing mid-request: a process killed while it accepts a
 * connection resets it rather than refusing it), because its PostgreSQL may die an instant after it (a
 * killed pod) and the kubelet may restart both within a second, before a tick a retry period later would
 * see them down. A holder that is only partitioned away costs a few more bounded probes, nothing else.
 */
export function nextTickDelay(o: Observation | null, retryPeriodMs: number, tickStartedAt: number, now: number): number {
  const regular = retryPeriodMs - (now - tickStartedAt);
  if (!o || o.lease.kind !== 'present' || o.lease.holder === null || o.lease.holder === o.config.podName) return Math.max(0, regular);
  const holder = o.lease.holder;
  const justFailing = o.peers.some((p) => p.name === holder && p.agent !== 'ok') && o.lease.silentForMs < SUSPECT_WINDOW_RETRY_PERIODS * retryPeriodMs;
  const soon = justFailing ? Math.min(regular, SUSPECT_RECHECK_MS) : regular;
  const untilExpiry = o.lease.durationMs - o.lease.silentForMs - (now - o.now);
  return Math.max(0, untilExpiry >= 0 ? Math.min(soon, untilExpiry + EXPIRY_MARGIN_MS) : soon);
}

/** Ticks scheduled for a lease expiry land this much after it, so the expiry is seen on that tick. */
const EXPIRY_MARGIN_MS = 5;
/** How soon to look again at a holder whose agent stopped answering… */
const SUSPECT_RECHECK_MS = 100;
/** …while its last renewal is this recent (in retry periods); after that it is crash-looping, not dying. */
const SUSPECT_WINDOW_RETRY_PERIODS = 2;

export function actionKey(action: Action): string {
  if (action.type === 'lead' || action.type === 'follow') return `${action.type}/${action.step}`;
  return action.type;
}

function limitFor(action: Action): number {
  if (action.type === 'follow' && (action.step === 'clone' || action.step === 'rewind')) return SupervisorClient.limitMs('clone');
  if (action.type === 'lead' && action.step === 'initdb') return SupervisorClient.limitMs('init');
  return 120_000;
}
