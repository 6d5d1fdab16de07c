/**
 * The chaos run's short form on the harness, what `npm run e2e` runs (and CI): five seeded faults on one
 * cluster (bench/chaos-scenario.ts). It is the last harness scenario; its faults (network cuts, the API
 * server stopped or cut off, a silent primary) are not yet built on the real cluster (e2e/k8s).
 *
 *   npm run e2e [-- --verbose] [--keep]
 */
import { runScenarios } from '../e2e/harness/run-scenarios';
import { chaos } from './chaos-scenario';

runScenarios([chaos], process.argv.slice(2));
