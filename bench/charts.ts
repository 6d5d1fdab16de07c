/**
 * The benchmark's clusters: the seed's two objects as e2e/charts.ts has them (namespace `demo`, three
 * members, the same props) on PostgreSQL 15, the major this machine has, in either replication mode.
 * Lease timing is the construct's default (10 s / 6 s / 1 s).
 *
 * The benchmark runs `hot-postgres` (hot standbys) by default: the dual-primary probe then keeps a
 * session open on every pod and notices a promotion within 20 ms. Warm standbys refuse every connection,
 * and each refused attempt costs a forked postmaster child: probing both standbys of `ha-postgres` every
 * 20 ms kept 1.3 of this machine's 2 cores busy (measured), which slows the very failovers being timed.
 * `--standby warm` runs `ha-postgres` with the probe retrying refusing pods every 250 ms instead.
 */
import { App, Chart, Size } from 'cdk8s';
import { PostgresCluster, PostgresVersion, ReplicationMode, StandbyMode } from '../lib';

export const NAMESPACE = 'demo';

export type Mode = 'async' | 'sync';
export type Standby = 'hot' | 'warm';

/** The seed's names: `ha-postgres` (warm standbys, KubeDB's default) and `hot-postgres`. */
export function clusterName(standby: Standby): string {
  return standby === 'hot' ? 'hot-postgres' : 'ha-postgres';
}

export function benchChart(mode: Mode, standby: Standby = 'hot'): (app: App) => Chart {
  return (app) => {
    const name = clusterName(standby);
    const chart = new Chart(app, name, { namespace: NAMESPACE });
    new PostgresCluster(chart, name, {
      version: PostgresVersion.V15,
      replicas: 3,
      standbyMode: standby === 'hot' ? StandbyMode.HOT : StandbyMode.WARM,
      storageClassName: 'standard',
      storageSize: Size.mebibytes(50),
      replicationMode: mode === 'sync' ? ReplicationMode.SYNC : ReplicationMode.ASYNC,
    });
    return chart;
  };
}
