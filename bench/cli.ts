/**
 * How bench/failover.ts and bench/chaos.ts run as commands: the exit code from main, a message instead of
 * a stack for an error, and on Ctrl-C or SIGTERM the running cluster stopped first, so no PostgreSQL,
 * agent or network namespace outlives the run.
 */
import type { LocalCluster } from '../e2e/harness/cluster';

export function runCommand(main: () => Promise<number>, runningCluster: () => LocalCluster | undefined): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log(`\n${signal}: stopping the cluster`);
      void (runningCluster()?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
    });
  }
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
