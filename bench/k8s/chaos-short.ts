/**
 * The chaos run's short form on the real cluster, what `npm run e2e` runs (and CI): a few faults drawn
 * with a fixed seed, so every run replays the same sequence (CHAOS_SEED and CHAOS_FAULTS override it to
 * explore). `npm run chaos:k8s -- --seed 16 --faults 5 --dry-run` prints the draw.
 *
 *   npm run e2e
 */
import { runAndReport } from './chaos';

/** primary-silent, api-frozen, switchover, hung-agent, kill-postmaster: both API faults' kinds among them. */
export const CI_CHAOS_SEED = 16;
const CI_CHAOS_FAULTS = 5;

async function main(): Promise<number> {
  const seed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : CI_CHAOS_SEED;
  const faults = process.env.CHAOS_FAULTS ? Number(process.env.CHAOS_FAULTS) : CI_CHAOS_FAULTS;
  console.log(`chaos (short) on the real cluster: ${faults} faults, seed ${seed}`);
  return runAndReport({ faults, seed }, (line) => console.log(line));
}

main().then((code) => process.exit(code), (error: Error) => {
  console.error(error.message);
  process.exit(1);
});
