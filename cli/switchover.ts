// `switchover <pod>`: check the target like the primary would, write the request on the Lease, and wait
// for the move (or the agent's refusal). The checks and the reading of progress are in
// switchover-check.ts; this file only talks to the cluster.
import { ANNOTATIONS } from '../agent/core/annotations';
import type { AgentAccess } from './agent-access';
import { readCluster } from './cluster-reads';
import { KubectlError, type Kubectl } from './kubectl';
import type { EventJson, LeaseJson, ListJson, PodJson } from './kube-types';
import { buildReport } from './report';
import { AGENT_EVENT_SOURCE } from './settings';
import { Refusal, checkSwitchover, clusterOf, progress, type SwitchoverPlan } from './switchover-check';

const POLL_MS = 250;
/** How long a removed request may go without the agent's Event explaining it (Events follow the act). */
const EVENT_GRACE_MS = 3000;

export interface SwitchoverOptions {
  readonly pod: string;
  readonly namespace?: string;
  readonly wait: boolean;
  readonly timeoutSeconds: number;
  readonly agentAccess: AgentAccess;
}

/** Reports progress through `say`; rejects with a Refusal (nothing written) or an Error. */
export async function switchover(kubectl: Kubectl, o: SwitchoverOptions, say: (line: string) => void): Promise<void> {
  const ns = o.namespace ? ['-n', o.namespace] : [];
  const pod = await kubectl.optional<PodJson>(['get', 'pod', o.pod, ...ns]);
  if (pod === null) throw new Refusal(`pod ${o.pod} not found in ${o.namespace ? `namespace ${o.namespace}` : "your context's namespace"}`);
  const cluster = clusterOf(pod);
  const plan = checkSwitchover(o.pod, buildReport(await readCluster(kubectl, cluster, pod.metadata.namespace ?? o.namespace, { agentAccess: o.agentAccess, now: Date.now })));

  const requestedAt = Date.now();
  // No --overwrite: if another request landed since the check, kubectl refuses instead of replacing it.
  await kubectl.run(['annotate', 'lease', plan.leaseName, '-n', plan.namespace, `${ANNOTATIONS.switchoverTo}=${plan.target}`]).catch((error: Error) => {
    const needs = error instanceof KubectlError && error.failure === 'forbidden' ? `\nswitchover needs get and patch on the Lease ${plan.leaseName} in namespace ${plan.namespace}` : '';
    throw new Error(`could not write the request: ${error.message}${needs}`);
  });
  say(`requested: switchover from ${plan.from} to ${plan.target} (annotation ${ANNOTATIONS.switchoverTo} on Lease ${plan.leaseName})`);
  if (!o.wait) return;

  const deadline = requestedAt + o.timeoutSeconds * 1000;
  let unexplainedSince: number | null = null;
  for (;;) {
    const state = progress(plan, ...(await observe(kubectl, plan)), requestedAt);
    const now = Date.now();
    if (state.state === 'done') {
      say(`done: ${plan.target} is the primary (holds Lease ${plan.leaseName}, labelled primary) ${((now - requestedAt) / 1000).toFixed(1)}s after the request`);
      if (state.event) say(`${plan.from}: ${state.event}`);
      return;
    }
    if (state.state === 'failed') throw new Error(`switchover to ${plan.target} did not happen: ${state.reason}`);
    unexplainedSince = state.state === 'unexplained' ? (unexplainedSince ?? now) : null;
    if (state.state === 'unexplained' && now - unexplainedSince! > EVENT_GRACE_MS) throw new Error(`switchover to ${plan.target} did not happen: ${state.reason}`);
    if (now > deadline) throw new Error(timeoutMessage(plan, o.timeoutSeconds));
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function observe(kubectl: Kubectl, plan: SwitchoverPlan): Promise<[LeaseJson | null, PodJson | null, EventJson[]]> {
  const ns = ['-n', plan.namespace];
  return Promise.all([
    kubectl.optional<LeaseJson>(['get', 'lease', plan.leaseName, ...ns]),
    kubectl.optional<PodJson>(['get', 'pod', plan.target, ...ns]),
    kubectl.json<ListJson<EventJson>>(['get', 'events', ...ns, '--field-selector', `source=${AGENT_EVENT_SOURCE}`]).then((l) => [...l.items], () => []),
  ]);
}

function timeoutMessage(plan: SwitchoverPlan, seconds: number): string {
  return `switchover to ${plan.target} not done after ${seconds}s; the request stays on the Lease and ${plan.from} may still act on it. ` +
    `Its agent's log says why it waits: kubectl logs -n ${plan.namespace} ${plan.from} -c agent --tail=20; ` +
    `withdraw it with: kubectl annotate lease ${plan.leaseName} -n ${plan.namespace} ${ANNOTATIONS.switchoverTo}-`;
}
