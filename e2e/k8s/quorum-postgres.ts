/**
 * The volume-full scenario's chart: hot-postgres (50Mi claims, StorageClass `standard`) with synchronous
 * replication and a quorum of one of the two standbys (`synchronous_standby_names = 'ANY 1 (…)'`), so a
 * full standby is shown not to stop commits while the other one carries the quorum, and a full primary
 * to fail over without losing an acknowledged write. It has no committed render: the suite renders it
 * on every major the way charts.ts renders the examples on 15 and 18.
 */
import { Chart, Size } from 'cdk8s';
import type { Construct } from 'constructs';
import { PostgresCluster, ReplicationMode, StandbyMode, type PostgresVersion } from '../../lib';

export const QUORUM_POSTGRES = 'quorum-postgres';

export class QuorumPostgresChart extends Chart {
  constructor(scope: Construct, id: string, version: PostgresVersion) {
    super(scope, id, { namespace: 'demo' });
    new PostgresCluster(this, QUORUM_POSTGRES, {
      version,
      replicas: 3,
      standbyMode: StandbyMode.HOT,
      replicationMode: ReplicationMode.SYNC,
      synchronousReplicas: 1,
      storageClassName: 'standard',
      storageSize: Size.mebibytes(50),
    });
  }
}
