/**
 * What the members' data folders and postgres logs say about how the cluster was made, read as a user
 * reads it: `kubectl logs` of the postgres containers for the supervisor's initdb line, and
 * `pg_controldata` run with `kubectl exec` in each postgres container on the PGDATA the rendered
 * StatefulSet sets.
 */
import type { Database } from '../database';
import type { KubeContext } from '../scenario';

/** The line agent/supervisor.sh logs when an `init` command's initdb succeeded. */
const INITDB_DONE = 'supervisor: init: initdb done';

/**
 * The initdb runs in the logs of every member's postgres container, current and previous incarnation.
 * The kubelet keeps only the previous one, so a container restarted twice or more would hide earlier
 * runs: that throws rather than undercount.
 */
export async function initdbRuns(t: KubeContext, db: Database): Promise<number> {
  let runs = 0;
  for (const pod of await db.members()) {
    const restarts = pod.restarts.postgres ?? 0;
    if (restarts > 1) throw new Error(`${pod.name}'s postgres container restarted ${restarts} times: the logs of its earlier incarnations are gone`);
    const incarnations = [await t.cluster.kubectl.run(['logs', '-n', db.namespace, pod.name, '-c', 'postgres', '--tail=-1'])];
    if (restarts === 1) incarnations.push(await t.cluster.kubectl.run(['logs', '-n', db.namespace, pod.name, '-c', 'postgres', '--tail=-1', '--previous']));
    runs += incarnations.join('\n').split('\n').filter((line) => line.includes(INITDB_DONE)).length;
  }
  return runs;
}

/** PGDATA as the rendered StatefulSet sets it for the postgres container. */
export async function pgdata(t: KubeContext, db: Database): Promise<string> {
  const path = (await t.cluster.sh(`kubectl get statefulset -n ${db.namespace} ${db.name} -o jsonpath='{.spec.template.spec.containers[?(@.name=="postgres")].env[?(@.name=="PGDATA")].value}'`)).trim();
  if (!path.startsWith('/')) throw new Error(`StatefulSet ${db.name} sets no PGDATA for its postgres container: '${path}'`);
  return path;
}

/** Each member's database system identifier: `kubectl exec <pod> -c postgres -- pg_controldata -D <PGDATA>`. */
export async function systemIdentifiers(t: KubeContext, db: Database): Promise<Map<string, string>> {
  const dir = await pgdata(t, db);
  const identifiers = new Map<string, string>();
  for (const pod of await db.members()) {
    const out = await t.cluster.kubectl.run(['exec', '-n', db.namespace, pod.name, '-c', 'postgres', '--', 'pg_controldata', '-D', dir]);
    const match = /Database system identifier:\s+(\d+)/.exec(out);
    if (!match) throw new Error(`pg_controldata of ${pod.name} shows no system identifier:\n${out.slice(0, 300)}`);
    identifiers.set(pod.name, match[1]);
  }
  return identifiers;
}
