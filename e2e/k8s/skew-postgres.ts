/**
 * The clock-skew scenario's chart: sync-postgres's cluster (three members, hot standbys, ANY 1 quorum),
 * without the ticker, its agents on the suite's test image `pgha-e2e/node-faketime:24` (e2e/images/
 * node-faketime.sh): node:24-alpine's stand-in with libfaketime preloaded, so that a line in an agent
 * container's /tmp/faketimerc steps that agent's wall clock while every other clock stays real. The
 * bundle still comes from the ConfigMap (AgentImage.nodeRuntime). No committed render: the suite renders
 * it on every major.
 */
import { Chart, Size } from 'cdk8s';
import type { Construct } from 'constructs';
import { AgentImage, PostgresCluster, ReplicationMode, StandbyMode, type PostgresVersion } from '../../lib';

export const SKEW_POSTGRES = 'skew-postgres';
export const FAKETIME_IMAGE = 'pgha-e2e/node-faketime:24';
/** The file libfaketime reads the offset from, in the agent container's /tmp emptyDir. */
export const FAKETIME_FILE = '/tmp/faketimerc';

export class SkewPostgresChart extends Chart {
  constructor(scope: Construct, id: string, version: PostgresVersion) {
    super(scope, id, { namespace: 'demo' });
    new PostgresCluster(this, SKEW_POSTGRES, {
      version,
      replicas: 3,
      standbyMode: StandbyMode.HOT,
      replicationMode: ReplicationMode.SYNC,
      synchronousReplicas: 1,
      storageClassName: 'standard',
      storageSize: Size.mebibytes(200),
      agentImage: AgentImage.nodeRuntime(FAKETIME_IMAGE),
    });
  }
}
