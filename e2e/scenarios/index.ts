/**
 * The harness suite's scenarios. Every other one moved to the real cluster (e2e/k8s) and passes there;
 * what stays is the chaos short run (bench/), whose faults (network cuts, the API server stopped or cut
 * off, a silent primary) are not yet built on the real cluster.
 */
import { chaos } from '../../bench/chaos-scenario';
import type { Scenario } from '../harness/scenario';

export const SCENARIOS: readonly Scenario[] = [chaos];
