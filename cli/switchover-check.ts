// The pure part of `switchover`: whether a target may be asked for (the same conditions the primary's
// agent checks before it hands over, agent/core/decide.ts `serve`, so a request it would ignore or sit
// on is refused here with the reason), and how a written request is doing.
import { ANNOTATIONS, ROLE_LABEL } from '../agent/core/annotations';
import type { EventJson, LeaseJson, PodJson } from './kube-types';
import type { StatusReport } from './report';
import { INSTANCE_LABEL, MANAGED_BY, MANAGED_BY_LABEL } from './settings';

export class Refusal extends Error {}

export interface SwitchoverPlan {
  readonly cluster: string;
  readonly namespace: string;
  readonly leaseName: string;
  readonly from: string;
  readonly target: string;
}

/** The cluster a pod belongs to, from its labels; refuses a pod that is not a cdk8s-postgres-ha member. */
export function clusterOf(pod: PodJson): string {
  const labels = pod.metadata.labels ?? {};
  const cluster = labels[INSTANCE_LABEL];
  if (labels[MANAGED_BY_LABEL] !== MANAGED_BY || !cluster) {
    throw new Refusal(`${pod.metadata.name} is not a member of a cdk8s-postgres-ha cluster: it lacks the label ${MANAGED_BY_LABEL}=${MANAGED_BY}`);
  }
  return cluster;
}

export function checkSwitchover(target: string, r: StatusReport): SwitchoverPlan {
  const s = r.settings;
  if (!s.members.includes(target)) throw new Refusal(`${target} is not a member of cluster ${r.cluster} (its members: ${s.members.join(', ')})`);
  const lease = r.lease;
  if (lease === null) throw new Refusal(`cluster ${r.cluster} has no Lease ${s.leaseName} yet: it has not bootstrapped`);
  if (lease.holder === null) throw new Refusal(`no member holds the Lease ${lease.name}: there is no primary to hand over from`);
  if (lease.holder === target) throw new Refusal(`${target} is already the primary (it holds the Lease ${lease.name})`);
  if (lease.switchoverTo !== null) {
    throw new Refusal(`a switchover to ${lease.switchoverTo} is already pending; wait for it, or withdraw it with: kubectl annotate lease ${lease.name} -n ${r.namespace} ${ANNOTATIONS.switchoverTo}-`);
  }
  const primary = r.members.find((m) => m.pod === lease.holder);
  if (!primary?.agent.answered) throw new Refusal(`the primary ${lease.holder}'s agent did not answer (${primary?.agent.error ?? 'no pod'}): nobody could carry out the switchover`);
  const m = r.members.find((x) => x.pod === target);
  if (!m) throw new Refusal(`${target} has no pod`);
  if (m.deleting) throw new Refusal(`${target} is being deleted`);
  if (m.roleLabel !== 'replica') throw new Refusal(`${target} is not a standby: its ${ROLE_LABEL} label is ${m.roleLabel === null ? 'missing' : `"${m.roleLabel}"`}`);
  if (!m.agent.answered) throw new Refusal(`${target}'s agent did not answer (${m.agent.error}): the primary could not check it either`);
  if (m.agent.role !== 'replica' || m.agent.postgres !== 'running') throw new Refusal(`${target} is not a running standby: its agent says "${m.agent.reason}" (PostgreSQL ${m.agent.postgres})`);
  if (!m.ready) throw new Refusal(`${target} is not ready: ${m.agent.reason}`);
  if (m.streaming === false) throw new Refusal(`${target} is not streaming from ${lease.holder}`);
  const max = s.maximumLagOnFailoverBytes;
  if (m.lagBytes !== null && max !== null && m.lagBytes > max) {
    throw new Refusal(`${target} is ${m.lagBytes} bytes behind ${lease.holder}, more than maximumLagOnFailover (${max}): the primary would wait up to 30 s for it to catch up, then refuse`);
  }
  return { cluster: r.cluster, namespace: r.namespace, leaseName: lease.name, from: lease.holder, target };
}

export type Progress =
  | { readonly state: 'done'; readonly event: string | null }
  | { readonly state: 'waiting' }
  | { readonly state: 'failed'; readonly reason: string }
  /** The request is gone without the move and no Event says why yet (agents write Events after acting). */
  | { readonly state: 'unexplained'; readonly reason: string };

/** Refusals the primary's agent reports as Events (agent/runtime/actor.ts, handover.ts). */
const REFUSALS = new Set(['SwitchoverRejected', 'SwitchoverAborted']);

/**
 * Where a written request stands: done once the target holds the Lease and carries the primary label
 * (the Services follow the label); failed when the annotation is gone without the move, with the
 * agent's Event saying why. `requestedAt` is when the annotation was written (epoch ms, this machine):
 * Events of a whole second before it are older requests.
 */
export function progress(plan: SwitchoverPlan, lease: LeaseJson | null, targetPod: PodJson | null, events: readonly EventJson[], requestedAt: number): Progress {
  const since = Math.floor(requestedAt / 1000) * 1000;
  const fresh = events
    .filter((e) => (e.involvedObject.name ?? '').startsWith(`${plan.cluster}-`))
    .filter((e) => Date.parse(e.lastTimestamp || e.eventTime || e.firstTimestamp || '') >= since);
  const holder = lease?.spec.holderIdentity ?? null;
  if (holder === plan.target && targetPod?.metadata.labels?.[ROLE_LABEL] === 'primary') {
    const handed = fresh.find((e) => e.reason === 'Switchover' && e.message?.includes(plan.target));
    return { state: 'done', event: handed?.message ?? null };
  }
  const pending = lease?.metadata.annotations?.[ANNOTATIONS.switchoverTo];
  if (pending === plan.target || holder === plan.target) return { state: 'waiting' };
  const refusal = fresh.find((e) => REFUSALS.has(e.reason ?? ''));
  if (refusal) return { state: 'failed', reason: `${refusal.reason} from ${refusal.involvedObject.name}: ${refusal.message}` };
  if (pending) return { state: 'failed', reason: `the request was replaced: the Lease now asks for a switchover to ${pending}` };
  return { state: 'unexplained', reason: `the request was removed from the Lease, ${holder === null ? 'which has no holder' : `and ${holder} holds it`}, and no agent Event says why` };
}
