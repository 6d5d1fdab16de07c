/** The real-cluster scenarios, in the order the suite runs them. */
import type { KubeScenario } from '../scenario';
import { backup } from './backup';
import { backupStoreDown } from './backup-store-down';
import { bootstrapRace } from './bootstrap-race';
import { handEdits } from './hand-edits';
import { hungAgent } from './hung-agent';
import { hungPostgres } from './hung-postgres';
import { killPrimary } from './kill-primary';
import { metrics } from './metrics';
import { majorGuard } from './major-guard';
import { majorUpgrade } from './major-upgrade';
import { minorUpgrade } from './minor-upgrade';
import { restartAll } from './restart-all';
import { restore } from './restore';
import { rollingUpdate } from './rolling-update';
import { scaling } from './scaling';
import { seedFailover } from './seed-failover';
import { seedHot } from './seed-hot';
import { seedWarm } from './seed-warm';
import { statusCli } from './status-cli';
import { syncFailover } from './sync-failover';
import { tls } from './tls';
import { tlsFromSecret } from './tls-from-secret';
import { volumeGrowth } from './volume-growth';

export const KUBE_SCENARIOS: readonly KubeScenario[] = [seedWarm, seedHot, seedFailover, killPrimary, syncFailover, restartAll, bootstrapRace, tls, tlsFromSecret, rollingUpdate, minorUpgrade, majorGuard, majorUpgrade, scaling, volumeGrowth, statusCli, metrics, backup, backupStoreDown, restore, hungPostgres, hungAgent, handEdits];
