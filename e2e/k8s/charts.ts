/**
 * The YAML the suite applies. On the default major (17) it is the committed render of the examples,
 * examples/rendered/<chart>.k8s.yaml: byte for byte what `npx cdk8s synth` writes to dist/. On 15 and
 * 18 it is the same example chart with only `version` changed, rendered the same way (cdk8s App.synth).
 * A chart of the suite's own (tls-postgres.ts, backup-postgres.ts) has no committed render and is rendered on every major.
 */
import { join } from 'node:path';
import { App } from 'cdk8s';
import { PostgresVersion } from '../../lib';
import { HaPostgresChart } from '../../examples/ha-postgres';
import { HotPostgresChart } from '../../examples/hot-postgres';
import { SyncPostgresChart } from '../../examples/sync-app';
import { BackupPostgresChart } from './backup-postgres';
import { TlsPostgresChart } from './tls-postgres';
import { DEFAULT_MAJOR, type ChartName } from './scenario';

const REPO = join(__dirname, '..', '..');

const CHARTS: Record<ChartName, (app: App, version: PostgresVersion) => void> = {
  'ha-postgres': (app, version) => new HaPostgresChart(app, 'ha-postgres', version),
  'hot-postgres': (app, version) => new HotPostgresChart(app, 'hot-postgres', version),
  'sync-postgres': (app, version) => new SyncPostgresChart(app, 'sync-postgres', version),
  'tls-postgres': (app, version) => new TlsPostgresChart(app, 'tls-postgres', version),
  'backup-postgres': (app, version) => new BackupPostgresChart(app, 'backup-postgres', version),
};
const EXAMPLES: readonly ChartName[] = ['ha-postgres', 'hot-postgres', 'sync-postgres'];

/** The file to `kubectl apply -f` for a chart on a major. */
export function renderedFile(name: ChartName, major: string): string {
  if (major === DEFAULT_MAJOR && EXAMPLES.includes(name)) return join(REPO, 'examples', 'rendered', `${name}.k8s.yaml`);
  const outdir = join(REPO, 'e2e', '.work', 'rendered', major);
  const app = new App({ outdir });
  CHARTS[name](app, PostgresVersion.of(major));
  app.synth();
  return join(outdir, `${name}.k8s.yaml`);
}
