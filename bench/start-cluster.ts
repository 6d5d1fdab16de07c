/**
 * Starts a local cluster for the benchmark, waiting for the machine's one harness slot when another run
 * (npm run e2e, a colleague's benchmark) holds it, rather than failing.
 */
import type { App, Chart } from 'cdk8s';
import { LocalCluster } from '../e2e/harness/cluster';
import { delay } from '../e2e/support/sleep';

const LOCK_RETRY_MS = 5000;
const LOCK_WAIT_LIMIT_MS = 60 * 60 * 1000;

export async function startCluster(chart: (app: App) => Chart, label: string, print: (line: string) => void): Promise<LocalCluster> {
  const deadline = Date.now() + LOCK_WAIT_LIMIT_MS;
  let told = false;
  for (;;) {
    try {
      return await LocalCluster.start(chart, { label, workRoot: process.env.BENCH_WORK_ROOT || undefined });
    } catch (error) {
      const message = (error as Error).message;
      if (!/another e2e harness/.test(message) || Date.now() > deadline) throw error;
      if (!told) print(`  (waiting: ${message})`);
      told = true;
      await delay(LOCK_RETRY_MS);
    }
  }
}
