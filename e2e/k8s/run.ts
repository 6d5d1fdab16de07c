/**
 * The e2e suite on a real Kubernetes built from upstream (e2e/cluster): brings the cluster up (or uses
 * the running one), creates namespace `demo` with the restricted Pod Security label, then for each
 * scenario and PostgreSQL major `kubectl apply --server-side --validate=strict -f` the rendered YAML,
 * runs the scenario's steps, and empties the namespace (namespace.ts says why not delete it); the run
 * deletes it at the end.
 *
 *   npm run e2e:k8s [-- --only seed-warm,seed-hot] [--majors 17] [--keep-cluster]
 *
 * Ends with `N passed, N failed` (exit 1 on any failure).
 */
import { join } from 'node:path';
import { isRunning } from '../cluster/daemons';
import { nodePlan } from '../cluster/plan';
import { clusterDown } from '../cluster/down';
import { clusterUp, upOptionsFromEnv } from '../cluster/up';
import { ScenarioContext, seconds } from '../support/scenario';
import { ensureAgentBundle } from '../support/agent-build';
import { renderedFile } from './charts';
import { Database } from './database';
import { saveDiagnostics } from './diagnostics';
import { KubeCluster } from './kube-cluster';
import { deleteNamespace, emptyNamespace, ensureNamespace } from './namespace';
import { ALL_MAJORS, DEFAULT_MAJOR, type KubeScenario } from './scenario';
import { KUBE_SCENARIOS } from './scenarios';

const NAMESPACE = 'demo';
const RESIZE_REFUSAL = 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize';
const LOGS = join(__dirname, '..', '.work', 'k8s-logs');

interface Options {
  readonly only?: readonly string[];
  readonly majors: readonly string[];
  readonly keepCluster: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  let only: string[] | undefined;
  let majors: string[] = [...ALL_MAJORS];
  let keepCluster = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => (inline ?? argv[++i] ?? '').split(',').filter(Boolean);
    if (flag === '--only') only = value();
    else if (flag === '--majors') majors = value();
    else if (flag === '--keep-cluster') keepCluster = true;
    else throw new Error(`unknown argument ${argv[i]}; usage: e2e/k8s/run.ts [--only name[,name]] [--majors 15,17,18] [--keep-cluster]`);
  }
  const unknown = (only ?? []).filter((name) => !KUBE_SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${KUBE_SCENARIOS.map((s) => s.name).join(', ')}`);
  const badMajors = majors.filter((m) => !(ALL_MAJORS as readonly string[]).includes(m));
  if (badMajors.length > 0) throw new Error(`--majors may name ${ALL_MAJORS.join(', ')}; got ${badMajors.join(', ')}`);
  return { only, majors, keepCluster };
}

async function runOne(cluster: KubeCluster, scenario: KubeScenario, major: string, nodes: number): Promise<boolean> {
  const label = `${scenario.name} (postgres:${major})`;
  console.log(`\n▶ ${label}: ${scenario.summary}`);
  const start = Date.now();
  const db = new Database(cluster, scenario.chart, NAMESPACE);
  const t = new ScenarioContext(cluster, (line) => console.log(line));
  let failure: unknown;
  try {
    await emptyNamespace(cluster, NAMESPACE, nodes);
    if (scenario.host) await scenario.host.create(cluster, Array.from({ length: nodes }, (_, i) => nodePlan(i + 1).name));
    const file = renderedFile(scenario.chart, major);
    const shown = file.replace(/^.*\/(examples|e2e)\//, '$1/');
    const made = await ensureNamespace(cluster, NAMESPACE);
    const namespace = made === 'created' ? `kubectl create ns ${NAMESPACE}` : `namespace ${NAMESPACE} (emptied after the scenario before)`;
    await t.step(`${namespace} (enforce: restricted); kubectl apply --server-side --validate=strict -f ${shown}`, () => cluster.sh(`kubectl apply --server-side --validate=strict -f ${file}`));
    await scenario.run(t, db);
    await t.step('no agent request was refused by the API server (RBAC of the rendered Role)', async () => {
      const logs = await cluster.sh(`kubectl logs -n ${NAMESPACE} -l app.kubernetes.io/instance=${scenario.chart} -c agent --tail=-1 --prefix`);
      // One 403 is expected and not RBAC's: the PersistentVolumeClaimResize admission plugin refusing volume
      // growth on the suite's StorageClass, which cannot expand (scenario volume-growth).
      // A 403 in a log line's JSON number field ("ms":403, a tick's duration) is not a refusal.
      const refused = logs.split('\n').filter((l) => /(?<!":)\b403\b|forbidden/i.test(l) && !l.includes(RESIZE_REFUSAL));
      if (refused.length > 0) throw new Error(`refused requests:\n${refused.slice(0, 5).join('\n')}`);
    });
  } catch (error) {
    failure = error;
    const dir = join(LOGS, `${scenario.name}-${major}`);
    await saveDiagnostics(cluster, db, dir).catch(() => undefined);
    console.log(`  diagnostics: ${dir}`);
  }
  try {
    await emptyNamespace(cluster, NAMESPACE, nodes);
  } catch (error) {
    failure ??= error;
  }
  try {
    await scenario.host?.remove(cluster);
  } catch (error) {
    failure ??= error;
  }
  if (failure === undefined) {
    console.log(`✓ ${label} (${seconds(Date.now() - start)})`);
    return true;
  }
  console.log(`✗ ${label} (${seconds(Date.now() - start)}): ${failure instanceof Error ? failure.message : String(failure)}`);
  return false;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  if (ensureAgentBundle()) console.log('built build/agent/agent.js (it was missing or older than agent/)');
  const up = upOptionsFromEnv();
  const wasUp = isRunning('kube-apiserver');
  // The images of the majors run, and of those a selected scenario applies over them (major-guard).
  const selected = KUBE_SCENARIOS.filter((s) => !options.only || options.only.includes(s.name));
  const imageMajors = [...new Set([...options.majors, ...selected.flatMap((s) => s.majors.some((m) => options.majors.includes(m)) ? (s.otherImages ?? []) : [])])];
  const kubectl = await clusterUp({ ...up, majors: imageMajors });
  const cluster = new KubeCluster(kubectl);
  const runs: Array<[KubeScenario, string]> = [];
  // The default major first and whole; then the others, each on the scenarios that list it.
  const majors = [...options.majors].sort((a, b) => (a === DEFAULT_MAJOR ? -1 : b === DEFAULT_MAJOR ? 1 : a.localeCompare(b)));
  for (const major of majors) {
    for (const scenario of KUBE_SCENARIOS) if ((!options.only || options.only.includes(scenario.name)) && scenario.majors.includes(major)) runs.push([scenario, major]);
  }
  let passed = 0;
  // A fresh namespace for the run; the scenarios empty it after themselves, and the run removes it.
  await deleteNamespace(cluster, NAMESPACE, up.nodes);
  for (const [scenario, major] of runs) if (await runOne(cluster, scenario, major, up.nodes)) passed++;
  await deleteNamespace(cluster, NAMESPACE, up.nodes).catch((error: Error) => console.log(`could not delete namespace ${NAMESPACE}: ${error.message}`));
  if (!wasUp && !options.keepCluster) await clusterDown(false);
  console.log(`\n${passed} passed, ${runs.length - passed} failed`);
  return passed === runs.length ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
