/**
 * Runs harness scenarios, each on a fresh local cluster of the rendered manifests (the stand-in API
 * server and kubelet). The caller names the scenarios, so this folder never imports bench/ (the chaos
 * short run, the one harness scenario left, lives there: bench/chaos-short.ts):
 *
 *   <entry point> [--only name[,name]] [--verbose] [--keep]
 *
 * Ends with `N passed, N failed` (exit 1 on any failure). Without root or PostgreSQL 15 it explains
 * why and skips (exit 0), unless E2E_REQUIRED=1, which makes that a failure.
 */
import { ensureAgentBundle } from '../support/agent-build';
import { LocalCluster } from './cluster';
import { missingPrerequisites } from './prerequisites';
import { ScenarioContext, seconds, type Scenario } from '../support/scenario';

interface Options {
  readonly only?: readonly string[];
  readonly verbose: boolean;
  readonly keep: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  let only: string[] | undefined;
  let verbose = false;
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--verbose') verbose = true;
    else if (arg === '--keep') keep = true;
    else if (arg === '--only') only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (arg.startsWith('--only=')) only = arg.slice('--only='.length).split(',').filter(Boolean);
    else throw new Error(`unknown argument ${arg}; usage: [--only name[,name]] [--verbose] [--keep]`);
  }
  return { only, verbose, keep };
}

let current: LocalCluster | undefined;

async function runScenario(scenario: Scenario, options: Options): Promise<boolean> {
  console.log(`\n▶ ${scenario.name}: ${scenario.summary}`);
  const start = Date.now();
  let failure: unknown;
  let t: ScenarioContext | undefined;
  try {
    current = await LocalCluster.start(scenario.chart, { label: scenario.name, verbose: options.verbose, keepFiles: options.keep });
    t = new ScenarioContext(current, (line) => console.log(line));
    await scenario.run(t);
    await t.step('no request was forbidden by the rendered Role', async () => {
      const denied = current?.api.forbidden ?? [];
      if (denied.length > 0) throw new Error(`403 for: ${denied.map((d) => `${d.user} ${d.verb} ${d.resource}${d.subresource ? `/${d.subresource}` : ''} ${d.name}`).join('; ')}`);
    });
  } catch (error) {
    failure = error;
  }
  const logs = current?.dirs.logs;
  if (failure !== undefined && current && t) {
    current.saveObjects();
    await scenario.diagnose?.(t).catch((error: unknown) => console.log(`  (diagnostics failed: ${String(error)})`));
  }
  try {
    await current?.stop();
  } catch (error) {
    failure ??= error;
  }
  current = undefined;
  if (failure === undefined) {
    console.log(`✓ ${scenario.name} (${seconds(Date.now() - start)})`);
    return true;
  }
  console.log(`✗ ${scenario.name} (${seconds(Date.now() - start)}): ${failure instanceof Error ? failure.message : String(failure)}`);
  if (logs) console.log(`  logs: ${logs}`);
  return false;
}

async function main(SCENARIOS: readonly Scenario[], argv: readonly string[]): Promise<number> {
  const options = parseArgs(argv);
  const missing = missingPrerequisites(true);
  if (missing.length > 0) {
    const required = process.env.E2E_REQUIRED === '1';
    console.log(`\n!!! e2e scenarios ${required ? 'CANNOT RUN' : 'SKIPPED'}: this machine lacks:\n${missing.map((m) => `!!!   - ${m}`).join('\n')}\n`);
    return required ? 1 : 0;
  }
  const unknown = (options.only ?? []).filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  if (ensureAgentBundle()) console.log('built build/agent/agent.js (it was missing or older than agent/)');

  const selected = SCENARIOS.filter((s) => !options.only || options.only.includes(s.name));
  let passed = 0;
  for (const scenario of selected) if (await runScenario(scenario, options)) passed++;
  console.log(`\n${passed} passed, ${selected.length - passed} failed`);
  return passed === selected.length ? 0 : 1;
}

/** Runs `scenarios` as the command line `argv` selects, then exits the process with the outcome. */
export function runScenarios(scenarios: readonly Scenario[], argv: readonly string[]): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log(`\n${signal}: stopping the cluster`);
      void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
    });
  }
  main(scenarios, argv).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
