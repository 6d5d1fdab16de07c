/**
 * The chaos run's short form on the real cluster, what `npm run e2e` runs (and CI): a fixed list of
 * faults in a fixed order, one of each kind that matters most (the lease path, both API faults' kinds
 * among them), so every run replays the same sequence however the catalogue grows; the seed only picks
 * the standbys. CHAOS_SEED and CHAOS_FAULTS draw at random instead, to explore.
 *
 *   npm run e2e
 */
import { runAndReport } from './chaos';

export const CI_CHAOS_SEED = 16;
// Not hung-agent or hung-postgres: their own scenarios run in e2e:k8s (kill-postmaster has none).
export const CI_CHAOS_SEQUENCE = ['primary-silent', 'api-frozen', 'switchover', 'member-partition', 'kill-postmaster'] as const;

async function main(): Promise<number> {
  if (process.env.CHAOS_SEED || process.env.CHAOS_FAULTS) {
    const seed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : CI_CHAOS_SEED;
    const faults = process.env.CHAOS_FAULTS ? Number(process.env.CHAOS_FAULTS) : CI_CHAOS_SEQUENCE.length;
    console.log(`chaos (short) on the real cluster: ${faults} faults drawn with seed ${seed}`);
    return runAndReport({ faults, seed }, (line) => console.log(line));
  }
  console.log(`chaos (short) on the real cluster: ${CI_CHAOS_SEQUENCE.join(', ')} (standbys picked with seed ${CI_CHAOS_SEED})`);
  return runAndReport({ faults: CI_CHAOS_SEQUENCE.length, seed: CI_CHAOS_SEED, sequence: CI_CHAOS_SEQUENCE }, (line) => console.log(line));
}

if (require.main === module) {
  main().then((code) => process.exit(code), (error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
