/**
 * The oom-kill scenario's chart, which no example covers: hot-postgres with a memory limit on the
 * `postgres` container (requests = limits = 320 MiB), so that a query that allocates past it meets the
 * kernel's OOM killer in that container's memory cgroup, as on a node with limits set. It has no
 * committed render: the suite renders it on every major the way charts.ts renders the examples on 15 and 18.
 */
import { Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { PostgresCluster, StandbyMode, type PostgresVersion } from '../../lib';

export const OOM_POSTGRES = 'oom-postgres';
export const OOM_POSTGRES_MEMORY = Size.mebibytes(320);

export class OomPostgresChart extends Chart {
  constructor(scope: Construct, id: string, version: PostgresVersion) {
    super(scope, id, { namespace: 'demo' });
    new PostgresCluster(this, OOM_POSTGRES, {
      version,
      standbyMode: StandbyMode.HOT,
      storageClassName: 'standard',
      storageSize: Size.mebibytes(50),
      resources: {
        cpu: { request: kplus.Cpu.millis(100) },
        memory: { request: OOM_POSTGRES_MEMORY, limit: OOM_POSTGRES_MEMORY },
      },
    });
  }
}
