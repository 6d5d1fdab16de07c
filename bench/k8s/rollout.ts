/**
 * The rolling-update benchmark on the real cluster (e2e/cluster): hot-postgres in synchronous mode, a
 * writer through the primary Service, and a changed pod template (a new `work_mem`, so a new config
 * hash) applied as a GitOps tool would, under two strategies:
 *  - `agents`: the rendered YAML as it is (`updateStrategy: OnDelete`; the primary's agent replaces the
 *    members, standbys first, one switchover, the old primary last);
 *  - `controller`: the same YAML with `updateStrategy: RollingUpdate` (what the escape hatch would give;
 *    the agents then stand aside and the StatefulSet controller replaces the pods, highest ordinal first).
 * Prints one line per rollout and a table; writes bench/results/k8s-rollout.json and .md. Timings are
 * printed, never asserted; a lost acknowledged write (synchronous mode) fails the run.
 *
 *   npm run bench:rollout [-- --trials 3] [--strategies agents,controller]
 *
 * Trial k starts with the primary at ordinal (k - 1) mod 3, moved there by a switchover.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { PostgresVersion, ReplicationMode } from '../../lib';
import { VERSIONS } from '../../e2e/cluster/plan';
import { clusterUp, upOptionsFromEnv } from '../../e2e/cluster/up';
import { ScenarioContext } from '../../e2e/support/scenario';
import { renderedHotChange } from '../../e2e/k8s/charts';
import { Database } from '../../e2e/k8s/database';
import { KubeCluster } from '../../e2e/k8s/kube-cluster';
import { createNamespace, deleteNamespace } from '../../e2e/k8s/namespace';
import type { KubeContext } from '../../e2e/k8s/scenario';
import { podRevisions, revisions, startWriter, summarize, type WriterSummary } from '../../e2e/k8s/rollout';
import { healthy } from './trial';

const RESULTS = join(__dirname, '..', 'results');
const STRATEGIES = { agents: 'OnDelete', controller: 'RollingUpdate' } as const;
type Strategy = keyof typeof STRATEGIES;
const ROLLOUT_MS = 300_000;
/**
 * A switchover takes about a second, but the member the controller's rollout just re-created may take a
 * minute to stream again (seen: 60 s was not enough after a RollingUpdate trial).
 */
const PLACE_PRIMARY_MS = 180_000;
const MAJOR = '17';

interface RolloutResult {
  readonly strategy: Strategy;
  readonly trial: number;
  /** From the apply to every member on the new revision, one primary, every standby streaming. */
  readonly rolloutMs: number;
  readonly primaryMoves: number;
  readonly primaries: readonly string[];
  readonly longestGapMs: number;
  readonly acknowledged: number;
  readonly failedAttempts: number;
  readonly lostAcknowledged: number;
}

function args(): { trials: number; strategies: Strategy[] } {
  const argv = process.argv.slice(2);
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const trials = Number(value('--trials') ?? '3');
  const strategies = (value('--strategies') ?? 'agents,controller').split(',') as Strategy[];
  if (!Number.isInteger(trials) || trials < 1) throw new Error(`--trials must be a whole number from 1, got ${value('--trials')}`);
  for (const s of strategies) if (!(s in STRATEGIES)) throw new Error(`--strategies may name agents, controller; got ${s}`);
  return { trials, strategies };
}

/** hot-postgres in sync mode with `workMem`, its StatefulSet's updateStrategy set to `type`. */
function render(strategy: Strategy, workMem: string): string {
  const file = renderedHotChange(`bench-rollout-${strategy}-${workMem}`, PostgresVersion.of(MAJOR), {
    replicationMode: ReplicationMode.SYNC,
    parameters: { work_mem: workMem },
  });
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  for (const doc of docs) {
    if (doc.get('kind') === 'StatefulSet') doc.setIn(['spec', 'updateStrategy'], doc.createNode({ type: STRATEGIES[strategy] }));
  }
  writeFileSync(file, docs.map((d) => d.toString()).join(''));
  return file;
}

/**
 * Moves the primary to `pod` with the switchover annotation (README "Switchover"), so trials start with it
 * at each ordinal: the controller replaces the highest ordinal first, so where the primary sits decides
 * how often it moves (once at ordinal 0, up to twice elsewhere); the agents' order does not depend on it.
 */
async function placePrimary(t: KubeContext, cluster: KubeCluster, db: Database, pod: string): Promise<void> {
  if ((await db.topology()).primary === pod) return;
  await cluster.sh(`kubectl annotate lease -n ${db.namespace} ${db.name}-leader cdk8s-postgres-ha/switchover-to=${pod} --overwrite`);
  await t.waitFor(`${pod} primary, both standbys streaming`, async () => {
    const topology = await db.topology();
    if (topology.primary !== pod) return undefined;
    await db.streaming(topology.replicas);
    return topology;
  }, PLACE_PRIMARY_MS);
}

async function rollout(t: KubeContext, cluster: KubeCluster, db: Database, strategy: Strategy, trial: number, id: number): Promise<RolloutResult> {
  await placePrimary(t, cluster, db, `${db.name}-${(trial - 1) % 3}`);
  const old = (await revisions(t, db)).updateRevision;
  const writer = await startWriter(db, id);
  const start = Date.now();
  await cluster.sh(`kubectl apply --server-side --validate=strict -f ${render(strategy, `${8 + trial}MB`)}`);
  const updated = await t.waitFor('a new update revision', async () => {
    const r = await revisions(t, db);
    return r.updateRevision !== old && r.updateRevision !== '' ? r.updateRevision : undefined;
  }, 30_000);
  await t.waitFor('the rollout', async () => {
    const pods = await podRevisions(db);
    if (Object.keys(pods).length !== 3 || !Object.values(pods).every((p) => p === updated)) return undefined;
    const topology = await db.topology();
    await db.streaming(topology.replicas);
    return topology;
  }, ROLLOUT_MS);
  const rolloutMs = Date.now() - start;
  const s: WriterSummary = await summarize(db, writer, id);
  return {
    strategy, trial, rolloutMs,
    primaryMoves: s.primaries.length - 1,
    primaries: s.primaries,
    longestGapMs: s.longestGapMs,
    acknowledged: s.acknowledged,
    failedAttempts: s.failed,
    lostAcknowledged: s.lost,
  };
}

const sec = (v: number) => `${(v / 1000).toFixed(2)} s`;

function line(r: RolloutResult): string {
  return `  ${r.strategy} #${r.trial}: rollout ${sec(r.rolloutMs)}, primary moved ${r.primaryMoves}× (${r.primaries.join(' → ')}), longest write gap ${sec(r.longestGapMs)}, ${r.acknowledged} writes acknowledged, ${r.failedAttempts} attempts failed, ${r.lostAcknowledged} acknowledged writes lost`;
}

function table(results: readonly RolloutResult[]): string {
  const rows = ['| strategy | trial | primary before | rollout time | primary moves | longest write gap | failed write attempts | lost acknowledged writes |', '|---|---|---|---|---|---|---|---|'];
  for (const r of results) rows.push(`| ${r.strategy} (${STRATEGIES[r.strategy]}) | ${r.trial} | ${r.primaries[0] ?? '–'} | ${sec(r.rolloutMs)} | ${r.primaryMoves} | ${sec(r.longestGapMs)} | ${r.failedAttempts} | ${r.lostAcknowledged} |`);
  return rows.join('\n');
}

async function main(): Promise<number> {
  const options = args();
  const nodes = upOptionsFromEnv().nodes;
  const cluster = new KubeCluster(await clusterUp({ nodes, majors: [MAJOR] }));
  const t: KubeContext = new ScenarioContext(cluster, (l) => console.log(l));
  const results: RolloutResult[] = [];
  let id = 100;
  for (const strategy of options.strategies) {
    console.log(`\n${strategy}: hot-postgres, synchronous, updateStrategy ${STRATEGIES[strategy]} (postgres:${MAJOR})`);
    await deleteNamespace(cluster, 'demo', nodes);
    await createNamespace(cluster, 'demo');
    await cluster.sh(`kubectl apply --server-side --validate=strict -f ${render(strategy, '4MB')}`);
    const db = new Database(cluster, 'hot-postgres', 'demo');
    await healthy(t, db);
    for (let trial = 1; trial <= options.trials; trial++) {
      const result = await rollout(t, cluster, db, strategy, trial, ++id);
      results.push(result);
      console.log(line(result));
    }
    await deleteNamespace(cluster, 'demo', nodes);
  }
  const code = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const header = [
    `- Cluster: Kubernetes ${VERSIONS.kubernetes} built from upstream (e2e/cluster), ${nodes === 1 ? 'one node' : `${nodes} nodes`}; postgres:${MAJOR} image built from Debian's postgresql-${MAJOR}`,
    `- Machine: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; code ${code}; ${new Date().toISOString()}`,
    '- hot-postgres with `replicationMode: SYNC`, three members; each trial applies the render with a new `work_mem` (a new config hash in the pod template) while one insert every 20 ms goes through the primary Service; the rollout ends when every pod runs the new revision, one is primary and both standbys stream',
    '- `agents`: the rendered `updateStrategy: OnDelete`; `controller`: the same YAML with `updateStrategy: RollingUpdate` (the agents stand aside)',
  ].join('\n');
  const report = `${header}\n\n${table(results)}\n`;
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'k8s-rollout.json'), `${JSON.stringify({ code, at: new Date().toISOString(), kubernetes: VERSIONS.kubernetes, postgres: MAJOR, results }, null, 2)}\n`);
  writeFileSync(join(RESULTS, 'k8s-rollout.md'), `# Rolling updates on the real cluster\n\n${report}`);
  console.log(`\n${report}`);
  const unsafe = results.filter((r) => r.lostAcknowledged > 0);
  for (const r of unsafe) console.log(`SAFETY: ${r.strategy} #${r.trial}: ${r.lostAcknowledged} acknowledged writes lost in synchronous mode`);
  return unsafe.length === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (error: Error) => {
  console.error(error.message);
  process.exit(1);
});
