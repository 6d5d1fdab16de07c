import { ApiObject, Chart, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { PostgresCluster, PostgresVersion, ReplicationMode, StandbyMode } from '../lib';

/**
 * Synchronous replication, and an application wired to it: every commit is acknowledged only once a
 * standby has flushed it, so a failover never loses an acknowledged write. The `ticker` Deployment
 * writes a row a second through the primary's Service, with its connection settings (host, port,
 * user, the password from the Secret the cluster generates, and TLS verified with the cluster's CA) from
 * `connect()`, which also admits it through the cluster's NetworkPolicy. Like the
 * cluster's own pods, it meets the restricted Pod Security Standard.
 */
export class SyncPostgresChart extends Chart {
  public readonly cluster: PostgresCluster;

  /** `version` is for the e2e suite, which runs the same chart on 15 and 18 too. */
  public constructor(scope: Construct, id = 'sync-postgres', version = PostgresVersion.V17) {
    super(scope, id, { namespace: 'demo' });
    this.cluster = new PostgresCluster(this, 'sync-postgres', {
      version,
      replicas: 3,
      standbyMode: StandbyMode.HOT,
      replicationMode: ReplicationMode.SYNC,
      synchronousReplicas: 1,
      storageSize: Size.gibibytes(5),
    });

    const ticker = new kplus.Deployment(this, 'Ticker', {
      metadata: { name: 'ticker' },
      replicas: 1,
      // The postgres image (for psql) runs as uid 999, its postgres user.
      securityContext: { user: 999, group: 999 },
    });
    const tickerContainer = ticker.addContainer({
      name: 'ticker',
      image: 'postgres:17',
      // cdk8s-plus pulls on every start by default; a pinned tag needs no pull (and an air-gapped
      // cluster, or one with only preloaded images, cannot pull at all).
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      command: ['bash', '-c', [
        'until psql -c "CREATE TABLE IF NOT EXISTS ticks (at timestamptz NOT NULL)"; do sleep 1; done',
        'while true; do psql -c "INSERT INTO ticks VALUES (now())"; sleep 1; done',
      ].join('\n')],
      securityContext: { user: 999, group: 999 },
      resources: {
        cpu: { request: kplus.Cpu.millis(10) },
        memory: { request: Size.mebibytes(32), limit: Size.mebibytes(64) },
      },
    });
    // The connection environment (psql verifies the server: PGSSLMODE=verify-full with the cluster's CA,
    // mounted too) and a NetworkPolicy rule admitting the ticker: the policy admits members only otherwise.
    this.cluster.connect(ticker, tickerContainer);
    // The restricted Pod Security Standard also wants seccomp RuntimeDefault and every capability
    // dropped, which cdk8s-plus-27 has no props for.
    ApiObject.of(ticker).addJsonPatch(
      JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
      JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }),
    );
  }
}
