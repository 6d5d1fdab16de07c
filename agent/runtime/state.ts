// The agent's mutable state between ticks: the Memory decide() sees, and counters for /metrics.
import type { Memory } from '../core/types';

export interface Counters {
  renewals: number;
  renewFailures: number;
  lastRenewLatencyMs: number | null;
  promotions: number;
  failovers: number;
  fencings: number;
  readonly decisions: Map<string, number>;
}

export interface RuntimeState {
  memory: Memory;
  readonly metrics: Counters;
  /** Told the renewTime of each renewal that landed (the HTTP API streams it to the standbys). */
  readonly renewalListeners: Set<(renewTime: string) => void>;
}

/** `restoring`: the cluster bootstraps from a backup (`restore` configured). */
export function initialState(restoring = false): RuntimeState {
  return {
    memory: { lastRenewSentAt: null, failsafeConfirmedAt: null, shuttingDown: false, pendingSync: null, restore: restoring ? { phase: 'pending' } : null },
    metrics: { renewals: 0, renewFailures: 0, lastRenewLatencyMs: null, promotions: 0, failovers: 0, fencings: 0, decisions: new Map() },
    renewalListeners: new Set(),
  };
}
