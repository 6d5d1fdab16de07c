// Everything `status` and `switchover` know about a cluster, read through kubectl in one go: the
// StatefulSet, the members' pods, the Lease, the agents' Events, and each agent's own status document
// (GET /status, agent-access.ts). Nothing here interprets what it reads; that is
// report.ts's job, so it can be tested on recorded output.
import type { MemberStatus } from '../agent/core/types';
import { fetchStatus, type AgentAccess } from './agent-access';
import { Kubectl, KubectlError } from './kubectl';
import type { EventJson, LeaseJson, ListJson, PodJson, StatefulSetJson } from './kube-types';
import { AGENT_EVENT_SOURCE, INSTANCE_LABEL, MANAGED_BY, MANAGED_BY_LABEL, agentPort, clusterSettings } from './settings';

/** What one agent answered: its status document, or why there is none. */
export type AgentAnswer = { readonly status: MemberStatus; readonly error?: undefined } | { readonly status?: undefined; readonly error: string };

export interface ClusterFacts {
  readonly name: string;
  readonly namespace: string;
  /** When the Lease had been read, on this machine's clock (epoch ms): a renewal's age is never the reads' own delay short. */
  readonly observedAt: number;
  readonly statefulSet: StatefulSetJson;
  readonly pods: readonly PodJson[];
  /** null: no Lease yet (the first agent creates it when it bootstraps the cluster). */
  readonly lease: LeaseJson | null;
  /** The agents' Events in the namespace, or why they could not be read. */
  readonly events: { readonly items: readonly EventJson[]; readonly error?: undefined } | { readonly items?: undefined; readonly error: string };
  /** By pod name. */
  readonly agents: Readonly<Record<string, AgentAnswer>>;
}

const NEEDS = 'status needs, in the namespace: get statefulsets, list pods, get leases, list events, and get pods/proxy (or create pods/portforward with --agent-via port-forward)';

export interface ReadOptions {
  /** How to reach the agents (agent-access.ts). */
  readonly agentAccess: AgentAccess;
  /** This machine's clock (epoch ms): the observer's clock the report's ages are measured on. */
  readonly now: () => number;
}

export async function readCluster(kubectl: Kubectl, name: string, namespace: string | undefined, options: ReadOptions): Promise<ClusterFacts> {
  const ns = namespace ? ['-n', namespace] : [];
  const where = namespace ? `namespace ${namespace}` : "your context's namespace";
  const statefulSet = await kubectl.optional<StatefulSetJson>(['get', 'statefulset', name, ...ns]).catch(forbidden);
  if (statefulSet === null) throw new Error(`no cluster ${name} in ${where}: there is no StatefulSet ${name}${await knownClusters(kubectl, ns)}`);
  if (statefulSet.metadata.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY) {
    throw new Error(`StatefulSet ${name} in ${where} is not a cdk8s-postgres-ha cluster: it lacks the label ${MANAGED_BY_LABEL}=${MANAGED_BY}`);
  }
  const resolved = statefulSet.metadata.namespace ?? namespace ?? 'default';
  const settings = clusterSettings(name, statefulSet);
  const [pods, lease, events] = await Promise.all([
    kubectl.json<ListJson<PodJson>>(['get', 'pods', '-n', resolved, '-l', `${INSTANCE_LABEL}=${name}`]).catch(forbidden),
    kubectl.optional<LeaseJson>(['get', 'lease', settings.leaseName, '-n', resolved]).catch(forbidden),
    kubectl.json<ListJson<EventJson>>(['get', 'events', '-n', resolved, '--field-selector', `source=${AGENT_EVENT_SOURCE}`]).then(
      (list) => ({ items: list.items }),
      (error: Error) => ({ error: error.message }),
    ),
  ]);
  const observedAt = options.now();
  const answers = await Promise.all(pods.items.map(async (pod) => [pod.metadata.name, await askAgent(kubectl, options.agentAccess, resolved, pod)] as const));
  return { name, namespace: resolved, observedAt, statefulSet, pods: pods.items, lease, events, agents: Object.fromEntries(answers) };
}

async function askAgent(kubectl: Kubectl, access: AgentAccess, namespace: string, pod: PodJson): Promise<AgentAnswer> {
  const port = agentPort(pod.spec.containers);
  if (port === null) return { error: 'the pod has no agent-api port' };
  if (!pod.status.podIP) return { error: `no pod address yet (${pod.status.phase ?? 'unknown phase'})` };
  return fetchStatus(kubectl, access, namespace, pod.metadata.name, port).then(
    (status) => ({ status }),
    (error: Error) => ({ error: error.message }),
  );
}

/** Names the clusters that do exist there, as a hint after a typo. */
async function knownClusters(kubectl: Kubectl, ns: readonly string[]): Promise<string> {
  const list = await kubectl.json<ListJson<StatefulSetJson>>(['get', 'statefulsets', ...ns, '-l', `${MANAGED_BY_LABEL}=${MANAGED_BY}`]).catch(() => null);
  if (list === null) return '';
  const names = list.items.map((s) => s.metadata.name);
  return names.length === 0 ? `; there is no cdk8s-postgres-ha cluster there` : `; clusters there: ${names.join(', ')}`;
}

function forbidden(error: unknown): never {
  if (error instanceof KubectlError && error.failure === 'forbidden') throw new Error(`${error.message}\n${NEEDS}`);
  throw error;
}
