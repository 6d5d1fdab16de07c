/** Every scenario, in the order `npm run e2e` runs them; the chaos short run (bench/) comes last, as the longest. */
import { chaos } from '../../bench/chaos-scenario';
import type { Scenario } from '../harness/scenario';
import { bootstrapRace } from './bootstrap-race';
import { killPrimary } from './kill-primary';
import { restartAll } from './restart-all';
import { seedFailover } from './seed-failover';
import { seedHot } from './seed-hot';
import { seedWarm } from './seed-warm';
import { syncFailover } from './sync-failover';
import { tls } from './tls';
import { tlsFromSecret } from './tls-from-secret';

export const SCENARIOS: readonly Scenario[] = [seedWarm, seedHot, seedFailover, killPrimary, syncFailover, restartAll, bootstrapRace, tls, tlsFromSecret, chaos];
