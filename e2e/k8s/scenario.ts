/** A scenario of the real-cluster suite: which rendered chart it applies, and the steps it runs. */
import type { ScenarioContext } from '../support/scenario';
import type { KubeCluster } from './kube-cluster';

export type KubeContext = ScenarioContext<KubeCluster>;

export interface KubeScenario {
  /** Used by `--only`; the suite runs it once per PostgreSQL major it lists. */
  readonly name: string;
  readonly summary: string;
  /** The chart it applies (charts.ts), by name. */
  readonly chart: ChartName;
  /** The majors it runs on: every scenario on the default (17); the core ones on 15 and 18 too. */
  readonly majors: readonly string[];
  /** Majors whose postgres image it applies besides the one it runs on (the cluster imports them too). */
  readonly otherImages?: readonly string[];
  /** What it needs on the host before its chart is applied, removed after its namespace is emptied, passed or failed (small-volumes.ts). */
  readonly host?: HostSetup;
  run(t: KubeContext, db: import('./database').Database): Promise<void>;
}

export interface HostSetup {
  create(cluster: KubeCluster, nodes: readonly string[]): Promise<void>;
  remove(cluster: KubeCluster): Promise<void>;
}

export type ChartName = 'ha-postgres' | 'hot-postgres' | 'sync-postgres' | 'tls-postgres' | 'metrics-postgres' | 'backup-postgres' | 'oom-postgres' | 'quorum-postgres' | 'skew-postgres' | 'strict-postgres' | 'chaos-postgres' | 'scheduled-postgres';

export const DEFAULT_MAJOR = '17';
export const ALL_MAJORS = ['15', '17', '18'] as const;
