import { App } from 'cdk8s';
import { HaPostgresChart } from './ha-postgres';
import { HotPostgresChart } from './hot-postgres';
import { MonitoredPostgresChart } from './monitored-postgres';
import { SyncPostgresChart } from './sync-app';

/** Adds every example chart to `app`; each renders into `<chart id>.k8s.yaml`. */
export function addExamples(app: App): void {
  new HaPostgresChart(app);
  new HotPostgresChart(app);
  new SyncPostgresChart(app);
  new MonitoredPostgresChart(app);
}
