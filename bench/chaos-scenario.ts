/**
 * The chaos run's short form as an e2e scenario (`npm run e2e -- --only chaos`): five faults drawn with
 * a fixed seed, so CI replays the same sequence every time (CHAOS_SEED overrides it to explore).
 */
import type { Scenario } from '../e2e/support/scenario';
import { agentStatuses } from '../e2e/scenarios/postgres-cluster';
import { runChaos } from './chaos-run';
import { benchChart, clusterName, NAMESPACE } from './charts';
import { ClusterView } from './cluster-view';
import { waitHealthy } from './trial';

/**
 * Draws five different faults, the API outage and the primary's loss of the API among them (`npm run
 * chaos -- --seed 10 --dry-run`: api-down, switchover, kill-primary-pod, kill-standby-pod,
 * primary-api-cut); about 2 minutes on 2 cores.
 */
export const CI_CHAOS_SEED = 10;
const CI_CHAOS_FAULTS = 5;
const BOOT_TIMEOUT_MS = 120_000;
const CLUSTER_NAME = clusterName('hot');

export const chaos: Scenario = {
  name: 'chaos',
  summary: `sync mode: ${CI_CHAOS_FAULTS} seeded random faults in a row on one cluster; healthy after each, no split brain, no acknowledged write lost`,
  chart: benchChart('sync'),
  diagnose: agentStatuses(CLUSTER_NAME),
  async run(t) {
    const view = new ClusterView(t.cluster, CLUSTER_NAME, NAMESPACE);
    try {
      await t.step('one primary, both standbys streaming in the synchronous quorum', () => waitHealthy(view, BOOT_TIMEOUT_MS));
      const seed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : CI_CHAOS_SEED;
      console.log(`  chaos seed ${seed}`);
      const outcome = await runChaos(view, { faults: CI_CHAOS_FAULTS, seed, print: (line) => console.log(line) });
      if (outcome.failed > 0) throw new Error(`chaos: ${outcome.passed} passed, ${outcome.failed} failed`);
    } finally {
      view.close();
    }
  },
};
