// The rolling update of a changed pod template, planned by the primary's agent (the lease holder). The
// StatefulSet renders `updateStrategy: OnDelete`, so the StatefulSet controller never replaces a pod by
// itself; it re-creates a deleted pod from its newest revision (`status.updateRevision`). The holder
// compares every member's `controller-revision-hash` label with that revision and evicts one member at a
// time, in the order that moves the primary exactly once:
//  1. the outdated standbys, one at a time, each back, ready and streaming before the next; a standby
//     that does not serve goes first (replacing it costs nothing), then the highest ordinal first;
//  2. once every standby runs the new revision and streams: one planned switchover to the most advanced
//     of them (decide.ts checks it is caught up, handover.ts carries it out);
//  3. the new primary, an updated member, then sees the old primary as its last outdated standby (1.).
// Pure: the observation has the facts, the step is the answer (README "Rolling updates", agent/README.md).
import { ordinalOf } from '../config';
import { formatLsn } from '../postgres/lsn';
import { peer, selfName, statusLsn } from './facts';
import type { Observation } from './types';

export type RolloutStep =
  /**
   * Nothing to plan now: the StatefulSet was not read (not the holder) or could not be, or members are
   * being created while none runs an older revision (a bootstrap, a scale-up, the last replacement).
   */
  | { readonly kind: 'idle'; readonly reason: string }
  /** Every member runs the StatefulSet's update revision. */
  | { readonly kind: 'current'; readonly reason: string }
  | { readonly kind: 'wait'; readonly reason: string }
  | { readonly kind: 'evict'; readonly pod: string; readonly reason: string }
  | { readonly kind: 'switchover'; readonly target: string; readonly reason: string };

export function planRollout(o: Observation): RolloutStep {
  const set = o.statefulSet;
  if (set === null) return { kind: 'idle', reason: 'the StatefulSet is read by the primary only' };
  if (set.kind === 'unreadable') return { kind: 'idle', reason: `rolling updates stopped: cannot read the StatefulSet (${set.error})` };
  // Under any other strategy (an escape-hatch patch) the StatefulSet controller replaces the pods itself;
  // evicting beside it would replace two members at once.
  if (set.updateStrategy !== 'OnDelete') {
    return { kind: 'idle', reason: `rolling updates are the StatefulSet controller's: its updateStrategy is ${set.updateStrategy}, not the rendered OnDelete` };
  }
  if (o.pods === null) return { kind: 'idle', reason: 'rolling updates wait: the pods could not be listed' };
  const revision = set.updateRevision;
  const self = selfName(o);
  const members = rolledMembers(o, set.replicas);
  const pods = new Map(o.pods.map((p) => [p.name, p]));
  if (members.every((m) => pods.get(m)?.revision === revision)) {
    return { kind: 'current', reason: `every member runs revision ${revision}` };
  }
  const away = members.find((m) => !pods.get(m) || pods.get(m)?.deleting);
  const older = members.some((m) => pods.has(m) && pods.get(m)?.revision !== revision);
  if (away && !older) return { kind: 'idle', reason: `no member runs an older revision than ${revision}; ${away} is being created` };
  if (away) return wait(revision, `${away} is being replaced`);

  const streaming = new Set((o.local.sql?.replication ?? []).filter((r) => r.state === 'streaming').map((r) => r.applicationName));
  const serving = (m: string) => m === self || (pods.get(m)?.ready === true && streaming.has(m));
  const outdated = (m: string) => pods.get(m)?.revision !== revision;
  const notServing = (except: string | null) => members.find((m) => m !== except && !serving(m));

  const standbys = members.filter((m) => m !== self);
  const outdatedStandbys = standbys.filter(outdated)
    .sort((a, b) => Number(serving(a)) - Number(serving(b)) || ordinalOf(b) - ordinalOf(a));
  if (outdatedStandbys.length > 0) {
    const next = outdatedStandbys[0];
    const blocker = notServing(next);
    if (blocker) return wait(revision, notBack(o, blocker));
    return { kind: 'evict', pod: next, reason: `rolling update to ${revision}: replacing standby ${next} (${pods.get(next)?.revision ?? 'no revision'})` };
  }

  const blocker = notServing(null);
  if (blocker) return wait(revision, notBack(o, blocker));
  if (standbys.length === 0) {
    return { kind: 'evict', pod: self, reason: `rolling update to ${revision}: replacing the only member (writes stop until it is back)` };
  }
  const target = mostAdvanced(o, standbys);
  return { kind: 'switchover', target, reason: `rolling update to ${revision}: every standby is updated; switching over to ${target}${describeLsn(o, target)}` };
}

/**
 * The members a rollout replaces: this agent's members that the StatefulSet keeps. Scaled down, the
 * removed ordinals are gone for good (waiting for them would stall); scaled up, the new members already
 * run the update revision and only join fully once an updated primary knows them (slots, quorum).
 */
function rolledMembers(o: Observation, replicas: number): string[] {
  const kept = o.config.members.filter((m) => ordinalOf(m) < replicas);
  return kept.includes(selfName(o)) ? kept : [...kept, selfName(o)];
}

/**
 * This agent's members and those of the StatefulSet as the holder read it (the new ones of a scale-up):
 * whom the primary keeps replication slots for, so new members stream before an updated primary knows them.
 */
export function keptMembers(o: Observation): string[] {
  const set = o.statefulSet;
  if (set === null || set.kind !== 'read') return [...o.config.members];
  const wanted = Array.from({ length: set.replicas }, (_, i) => `${o.config.clusterName}-${i}`);
  return [...new Set([...o.config.members, ...wanted])];
}

function wait(revision: string, why: string): RolloutStep {
  return { kind: 'wait', reason: `rolling update to ${revision} waits: ${why}` };
}

/** A member that does not serve yet, with what its agent says (a refusal to start stops the rollout here). */
function notBack(o: Observation, member: string): string {
  const status = peer(o, member)?.status;
  return `${member} is not back and streaming yet${status && !status.ready ? ` (${status.reason})` : ''}`;
}

/** The standby with the most WAL (as its agent reports it), the lowest ordinal on a tie. */
function mostAdvanced(o: Observation, standbys: readonly string[]): string {
  const lsnOf = (m: string) => {
    const status = peer(o, m)?.status;
    return status ? (statusLsn(status) ?? -1n) : -1n;
  };
  return [...standbys].sort((a, b) => {
    const [la, lb] = [lsnOf(a), lsnOf(b)];
    return la !== lb ? (lb > la ? 1 : -1) : ordinalOf(a) - ordinalOf(b);
  })[0];
}

function describeLsn(o: Observation, member: string): string {
  const status = peer(o, member)?.status;
  const lsn = status ? statusLsn(status) : null;
  return lsn === null ? '' : ` (at ${formatLsn(lsn)})`;
}
