/** The real-cluster scenarios, in the order the suite runs them. */
import type { KubeScenario } from '../scenario';
import { backup } from './backup';
import { backupStoreDown } from './backup-store-down';
import { bootstrapRace } from './bootstrap-race';
import { killPrimary } from './kill-primary';
import { restartAll } from './restart-all';
import { seedFailover } from './seed-failover';
import { seedHot } from './seed-hot';
import { seedWarm } from './seed-warm';
import { syncFailover } from './sync-failover';
import { tls } from './tls';
import { tlsFromSecret } from './tls-from-secret';

export const KUBE_SCENARIOS: readonly KubeScenario[] = [seedWarm, seedHot, seedFailover, killPrimary, syncFailover, restartAll, bootstrapRace, tls, tlsFromSecret, backup, backupStoreDown];
