/**
 * The YAML the suite applies. On the default major (17) it is the committed render of the examples,
 * examples/rendered/<chart>.k8s.yaml: byte for byte what `npx cdk8s synth` writes to dist/. On 15 and
 * 18 it is the same example chart with only `version` changed, rendered the same way (cdk8s App.synth).
 * A chart of the suite's own (tls-postgres.ts, metrics-postgres.ts, backup-postgres.ts, oom-postgres.ts, quorum-postgres.ts,
 * skew-postgres.ts, strict-postgres.ts, chaos-postgres.ts) has no committed render and is
 * rendered on every major.
 *
 * No prometheus-operator runs on the test cluster, so its kinds (PodMonitor, PrometheusRule) have no
 * CRD there: they are split off into <chart>.prometheus-operator.yaml, which the metrics scenario
 * hands to its stand-in for the operator (prometheus.ts), and the rest is applied.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { App } from 'cdk8s';
import { PostgresClusterProps, PostgresVersion } from '../../lib';
import { HaPostgresChart } from '../../examples/ha-postgres';
import { HotPostgresChart } from '../../examples/hot-postgres';
import { SyncPostgresChart } from '../../examples/sync-app';
import { MetricsPostgresChart } from './metrics-postgres';
import { BackupPostgresChart, EVERY_MINUTE, SCHEDULED_POSTGRES } from './backup-postgres';
import { ChaosPostgresChart } from './chaos-postgres';
import { OomPostgresChart } from './oom-postgres';
import { QuorumPostgresChart } from './quorum-postgres';
import { SkewPostgresChart } from './skew-postgres';
import { StrictPostgresChart } from './strict-postgres';
import { TlsPostgresChart } from './tls-postgres';
import { DEFAULT_MAJOR, type ChartName } from './scenario';

const REPO = join(__dirname, '..', '..');

const CHARTS: Record<ChartName, (app: App, version: PostgresVersion) => void> = {
  'ha-postgres': (app, version) => new HaPostgresChart(app, 'ha-postgres', version),
  'hot-postgres': (app, version) => new HotPostgresChart(app, 'hot-postgres', version),
  'sync-postgres': (app, version) => new SyncPostgresChart(app, 'sync-postgres', version),
  'tls-postgres': (app, version) => new TlsPostgresChart(app, 'tls-postgres', version),
  'metrics-postgres': (app, version) => new MetricsPostgresChart(app, 'metrics-postgres', version),
  'backup-postgres': (app, version) => new BackupPostgresChart(app, 'backup-postgres', version),
  'scheduled-postgres': (app, version) => new BackupPostgresChart(app, 'scheduled-postgres', version, SCHEDULED_POSTGRES, EVERY_MINUTE),
  'oom-postgres': (app, version) => new OomPostgresChart(app, 'oom-postgres', version),
  'quorum-postgres': (app, version) => new QuorumPostgresChart(app, 'quorum-postgres', version),
  'skew-postgres': (app, version) => new SkewPostgresChart(app, 'skew-postgres', version),
  'strict-postgres': (app, version) => new StrictPostgresChart(app, 'strict-postgres', version),
  'chaos-postgres': (app, version) => new ChaosPostgresChart(app, 'chaos-postgres', version),
};
const OPERATOR_GROUP = 'monitoring.coreos.com/';
const EXAMPLES: readonly ChartName[] = ['ha-postgres', 'hot-postgres', 'sync-postgres'];

/** The file to `kubectl apply -f` for a chart on a major. */
export function renderedFile(name: ChartName, major: string): string {
  if (major === DEFAULT_MAJOR && EXAMPLES.includes(name)) return join(REPO, 'examples', 'rendered', `${name}.k8s.yaml`);
  const outdir = join(REPO, 'e2e', '.work', 'rendered', major);
  const app = new App({ outdir });
  CHARTS[name](app, PostgresVersion.of(major));
  app.synth();
  const file = join(outdir, `${name}.k8s.yaml`);
  const documents = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS());
  const operatorKinds = documents.filter((d) => String(d.apiVersion).startsWith(OPERATOR_GROUP));
  if (operatorKinds.length > 0) {
    writeFileSync(file, documents.filter((d) => !operatorKinds.includes(d)).map((d) => stringify(d)).join('---\n'));
    writeFileSync(operatorFile(name, major), operatorKinds.map((d) => stringify(d)).join('---\n'));
  }
  return file;
}

/** The chart's prometheus-operator objects, split off by renderedFile(). */
export function operatorFile(name: ChartName, major: string): string {
  return join(REPO, 'e2e', '.work', 'rendered', major, `${name}.prometheus-operator.yaml`);
}

/**
 * The hot-postgres example re-rendered with `changes` (a day-2 change a GitOps repository would commit),
 * into e2e/.work/rendered/<label>/: the same objects, names and namespace, only what the change touches.
 */
export function renderedHotChange(label: string, version: PostgresVersion, changes: PostgresClusterProps): string {
  const outdir = join(REPO, 'e2e', '.work', 'rendered', label);
  const app = new App({ outdir });
  new HotPostgresChart(app, 'hot-postgres', version, changes);
  app.synth();
  return join(outdir, 'hot-postgres.k8s.yaml');
}
