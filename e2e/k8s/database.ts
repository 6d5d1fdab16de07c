/**
 * One PostgresCluster on the real cluster as its user sees it: the members and their role labels
 * (`kubectl get pods --show-labels`), the credentials read the seed's way, and SQL through the
 * Services' cluster addresses (kube-proxy's rules) or straight to a pod's address, with TLS verified
 * against the CA the agents publish, under the DNS name an application in the cluster would use.
 */
import { query, type Credentials, type HostPort } from '../support/postgres-client';
import type { KubeCluster, PodView } from './kube-cluster';

export const ROLE_LABEL = 'cdk8s-postgres-ha/role';
const POSTGRES_PORT = 5432;
const AGENT_API_PORT = 8008;

export interface Topology {
  readonly primary: string;
  readonly replicas: readonly string[];
}

export class Database {
  private cachedCredentials: Credentials | undefined;

  /** `authSecret`: the Secret with the superuser's password, `<name>-auth` unless the cluster names one. */
  constructor(readonly cluster: KubeCluster, readonly name: string, readonly namespace = 'demo', readonly authSecret = `${name}-auth`) {}

  get selector(): string {
    return `app.kubernetes.io/instance=${this.name}`;
  }

  async members(): Promise<PodView[]> {
    return this.cluster.pods(this.namespace, this.selector);
  }

  /** Exactly one pod labelled primary, every other one replica, all Ready; throws with what it sees otherwise. */
  async topology(expected = 3): Promise<Topology> {
    const pods = await this.members();
    const role = (r: string) => pods.filter((p) => p.labels[ROLE_LABEL] === r).map((p) => p.name);
    const primaries = role('primary');
    const replicas = role('replica');
    if (pods.length !== expected || primaries.length !== 1 || replicas.length !== expected - 1 || pods.some((p) => !p.ready || p.deleting)) {
      throw new Error(`primary: [${primaries}], replicas: [${replicas}], ready: [${pods.filter((p) => p.ready).map((p) => p.name)}] of ${pods.length}`);
    }
    return { primary: primaries[0], replicas: replicas.sort() };
  }

  /**
   * The superuser's password the seed's way:
   * kubectl get secrets -n demo <name>-auth -o jsonpath='{.data.\POSTGRES_PASSWORD}' | base64 -d
   * (the Secret `authSecret` names, for a cluster that takes another's credentials).
   */
  async credentials(): Promise<Credentials> {
    if (this.cachedCredentials) return this.cachedCredentials;
    const password = await this.cluster.sh(`kubectl get secrets -n ${this.namespace} ${this.authSecret} -o jsonpath='{.data.\\POSTGRES_PASSWORD}' | base64 -d`);
    const ca = await this.cluster.sh(`kubectl get configmap -n ${this.namespace} ${this.name}-ca-cert -o jsonpath='{.data.ca\\.crt}'`);
    if (password === '') throw new Error(`Secret ${this.authSecret} has no POSTGRES_PASSWORD yet`);
    if (!ca.includes('BEGIN CERTIFICATE')) throw new Error(`ConfigMap ${this.name}-ca-cert has no CA yet`);
    this.cachedCredentials = { user: 'postgres', password, ca };
    return this.cachedCredentials;
  }

  /** `<name>` is the primary Service, `<name>-replicas` the read Service. */
  async service(service = this.name): Promise<HostPort> {
    return { host: await this.cluster.serviceAddress(this.namespace, service), port: POSTGRES_PORT, serverName: `${service}.${this.namespace}.svc.cluster.local` };
  }

  async member(pod: string): Promise<HostPort> {
    const view = await this.cluster.pod(this.namespace, pod);
    if (!view?.ip) throw new Error(`pod ${pod} has no address`);
    return { host: view.ip, port: POSTGRES_PORT, serverName: `${pod}.${this.name}-pods.${this.namespace}.svc.cluster.local` };
  }

  async sql<R extends Record<string, unknown> = Record<string, unknown>>(endpoint: HostPort | Promise<HostPort>, text: string, params: unknown[] = []): Promise<R[]> {
    return query<R>(await endpoint, await this.credentials(), text, params);
  }

  /** pg_stat_replication through the primary Service, once exactly these standbys stream. */
  async streaming(standbys: readonly string[]): Promise<Array<{ application_name: string; state: string; sync_state: string }>> {
    const rows = await this.sql<{ application_name: string; state: string; sync_state: string }>(
      this.service(), 'select application_name, state, sync_state from pg_stat_replication order by application_name');
    const streaming = rows.filter((r) => r.state === 'streaming').map((r) => r.application_name);
    if (JSON.stringify(streaming) !== JSON.stringify([...standbys].sort())) throw new Error(`pg_stat_replication: ${JSON.stringify(rows)}`);
    return rows;
  }

  /** A member agent's /status document. */
  async agentStatus(pod: string): Promise<unknown> {
    const view = await this.cluster.pod(this.namespace, pod);
    const response = await fetch(`http://${view?.ip}:${AGENT_API_PORT}/status`, { signal: AbortSignal.timeout(2000) });
    return response.json();
  }
}
