/**
 * The product as a scenario sees it from outside: members and their role labels, SQL through the
 * Services or straight to a member, the standbys the primary streams to, and what the data folders
 * and container logs say about initdb runs and system identifiers.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../harness/exec';
import { POSTGRES_BIN_DIR } from '../harness/images';
import type { Pod, StatefulSet } from '../harness/kube';
import { getObject, listObjects, POD, STATEFUL_SET } from '../harness/api-objects';
import { isReady } from '../harness/endpoints';
import { caFrom, credentialsFrom, query, type Credentials, type HostPort } from '../harness/postgres-client';
import type { ScenarioContext } from '../harness/scenario';
import { NAMESPACE } from '../charts';

export const ROLE_LABEL = 'cdk8s-postgres-ha/role';
const POSTGRES_PORT = 5432;
const AGENT_API_PORT = 8008;
/** The line agent/supervisor.sh logs when an `init` command's initdb succeeded. */
const INITDB_DONE = 'supervisor: init: initdb done';

export interface Topology {
  readonly primary: string;
  readonly replicas: readonly string[];
}

export class PostgresUnderTest {
  constructor(private readonly t: ScenarioContext, readonly name: string, readonly namespace = NAMESPACE) {}

  /** `<name>-0 … <name>-(N-1)` for the StatefulSet's current replicas. */
  members(): string[] {
    const sts = getObject<StatefulSet>(this.t.cluster.store, STATEFUL_SET, this.namespace, this.name);
    return [...Array(sts?.spec?.replicas ?? 0).keys()].map((ordinal) => `${this.name}-${ordinal}`);
  }

  pods(): Pod[] {
    const members = new Set(this.members());
    return listObjects<Pod>(this.t.cluster.store, POD, this.namespace).filter((pod) => members.has(pod.metadata?.name ?? ''));
  }

  credentials(): Credentials {
    const credentials = credentialsFrom(this.t.cluster.store, this.namespace, `${this.name}-auth`);
    if (!credentials) throw new Error(`Secret ${this.name}-auth has no POSTGRES_USER/POSTGRES_PASSWORD yet`);
    // With TLS (the default), connections verify the servers against the CA the agents published.
    return { ...credentials, ca: this.ca() };
  }

  /** The CA certificate in ConfigMap `<name>-ca-cert`; undefined before the agents published it, or without TLS. */
  ca(): string | undefined {
    return caFrom(this.t.cluster.store, this.namespace, `${this.name}-ca-cert`);
  }

  /** A Service's cluster address: `<name>` is the primary, `<name>-replicas` the read Service. */
  service(service = this.name): HostPort {
    return { host: this.t.cluster.serviceAddress(this.namespace, service), port: POSTGRES_PORT, serverName: `${service}.${this.namespace}.svc.cluster.local` };
  }

  member(pod: string): HostPort {
    return { host: this.t.cluster.podAddress(this.namespace, pod), port: POSTGRES_PORT, serverName: `${pod}.${this.name}-pods.${this.namespace}.svc.cluster.local` };
  }

  sql<R extends Record<string, unknown> = Record<string, unknown>>(endpoint: HostPort, text: string, params: unknown[] = []): Promise<R[]> {
    return query<R>(endpoint, this.credentials(), text, params);
  }

  /** Exactly one member labelled primary, all others labelled replica, every member Ready; throws with what it sees otherwise. */
  topology(): Topology {
    const pods = this.pods();
    const members = this.members();
    const byRole = (role: string) => pods.filter((p) => p.metadata?.labels?.[ROLE_LABEL] === role).map((p) => p.metadata?.name ?? '');
    const primaries = byRole('primary');
    const replicas = byRole('replica');
    const settled = pods.length === members.length && pods.every((p) => isReady(p) && !p.metadata?.deletionTimestamp);
    if (primaries.length !== 1 || replicas.length !== members.length - 1 || !settled) {
      throw new Error(`primary: [${primaries}], replicas: [${replicas}], ready: [${pods.filter(isReady).map((p) => p.metadata?.name)}]`);
    }
    return { primary: primaries[0], replicas: replicas.sort() };
  }

  waitForTopology(timeoutMs: number, description = 'one primary and every other member a ready replica'): Promise<Topology> {
    return this.t.waitFor(description, () => this.topology(), timeoutMs);
  }

  /** pg_stat_replication through the primary Service, once every standby streams. */
  waitForStreaming(standbys: readonly string[], timeoutMs: number): Promise<Array<{ application_name: string; state: string; sync_state: string }>> {
    return this.t.waitFor(`${standbys.join(', ')} streaming from the primary`, async () => {
      const rows = await this.sql<{ application_name: string; state: string; sync_state: string }>(
        this.service(), 'select application_name, state, sync_state from pg_stat_replication order by application_name');
      const streaming = rows.filter((r) => r.state === 'streaming').map((r) => r.application_name);
      if (JSON.stringify(streaming) !== JSON.stringify([...standbys].sort())) throw new Error(`pg_stat_replication: ${JSON.stringify(rows)}`);
      return rows;
    }, timeoutMs);
  }

  /** The initdb runs across all members and all their container restarts, from the postgres logs. */
  initdbRuns(): number {
    return this.members()
      .map((pod) => this.t.cluster.containerLog(pod, 'postgres').split('\n').filter((line) => line.includes(INITDB_DONE)).length)
      .reduce((a, b) => a + b, 0);
  }

  /** Saves each member's agent status document (GET /status on agent-api) as `<pod>.status.json` in the log folder. */
  async saveAgentStatuses(): Promise<void> {
    for (const pod of this.members()) {
      const text = await fetch(`http://${this.t.cluster.podAddress(this.namespace, pod)}:${AGENT_API_PORT}/status`, { signal: AbortSignal.timeout(2000) })
        .then((response) => response.text(), (error: Error) => JSON.stringify({ unreachable: error.message }));
      writeFileSync(join(this.t.cluster.dirs.logs, `${pod}.status.json`), text);
    }
  }

  /** Each member's database system identifier, read from its volume with pg_controldata. */
  async systemIdentifiers(): Promise<Map<string, string>> {
    const identifiers = new Map<string, string>();
    for (const pod of this.members()) {
      const pgdata = join(this.t.cluster.dirs.claim(this.namespace, `data-${pod}`), 'pgdata');
      const { stdout } = await run(join(POSTGRES_BIN_DIR, 'pg_controldata'), ['-D', pgdata]);
      const match = /Database system identifier:\s+(\d+)/.exec(stdout);
      if (!match) throw new Error(`pg_controldata of ${pod} shows no system identifier`);
      identifiers.set(pod, match[1]);
    }
    return identifiers;
  }
}

/** A scenario's `diagnose`: the agents' own view of the cluster named `name`. */
export function agentStatuses(name: string): (t: ScenarioContext) => Promise<void> {
  return (t) => new PostgresUnderTest(t, name).saveAgentStatuses();
}
