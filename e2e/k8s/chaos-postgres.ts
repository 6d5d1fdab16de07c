/**
 * The long chaos run's chart, when its draw holds a production fault (bench/k8s/production-faults.ts):
 * sync-postgres's cluster (three members, hot standbys, ANY 1 of the two standbys; no ticker) with what
 * those faults need and the example has not: a memory limit on the `postgres` container (the OOM kills),
 * the agents on the suite's libfaketime image (the clock jumps; with no /tmp/faketimerc it keeps real
 * time, and the bundle still comes from the ConfigMap) and data volumes the chaos run backs with real
 * small filesystems (small-volumes.ts, the full volumes). No committed render: rendered on every run.
 */
import { Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { AgentImage, PostgresCluster, ReplicationMode, StandbyMode, type PostgresVersion } from '../../lib';
import { FAKETIME_IMAGE } from './skew-postgres';
import { SmallVolumes } from './small-volumes';

export const CHAOS_POSTGRES = 'chaos-postgres';
/** Far above what pgbench's four clients and the writers take, far below what the OOM faults' query asks. */
export const CHAOS_POSTGRES_MEMORY = Size.mebibytes(512);
/** Each member's real filesystem: pgbench's history table and the WAL of a 200-fault run fit many times over. */
export const CHAOS_VOLUME_MIB = 3072;

export class ChaosPostgresChart extends Chart {
  constructor(scope: Construct, id: string, version: PostgresVersion) {
    super(scope, id, { namespace: 'demo' });
    new PostgresCluster(this, CHAOS_POSTGRES, {
      version,
      replicas: 3,
      standbyMode: StandbyMode.HOT,
      replicationMode: ReplicationMode.SYNC,
      synchronousReplicas: 1,
      storageClassName: 'standard',
      storageSize: Size.mebibytes(CHAOS_VOLUME_MIB),
      resources: {
        cpu: { request: kplus.Cpu.millis(100) },
        memory: { request: CHAOS_POSTGRES_MEMORY, limit: CHAOS_POSTGRES_MEMORY },
      },
      agentImage: AgentImage.nodeRuntime(FAKETIME_IMAGE),
    });
  }
}

/** The members' filesystems, created before the chart is applied and filled by the volume-full faults. */
export const CHAOS_VOLUMES = new SmallVolumes('demo', CHAOS_POSTGRES, 3, CHAOS_VOLUME_MIB);
