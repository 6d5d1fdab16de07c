import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { ReplicationMode, StandbyMode, VolumeRetention } from '../../lib';
import { addExamples } from '../../examples/app';
import { Manifest, render } from './helpers';
import { validatePodMonitor } from './monitoring-schema';

/**
 * kubernetes-models' class for a manifest: `v1/<Kind>` for the core group, `<group>/<version>/<Kind>`
 * otherwise. prometheus-operator's kinds are not in kubernetes-models: the PodMonitor is checked
 * against its vendored CRD here; the PrometheusRule, for which no CRD is vendored, by `promtool check
 * rules` in monitoring.test.ts.
 */
function model(manifest: Manifest): { validate(): void } {
  if (manifest.kind === 'PodMonitor') return { validate: () => validatePodMonitor(manifest) };
  if (manifest.kind === 'PrometheusRule') return { validate: () => undefined };
  const modulePath = `kubernetes-models/${manifest.apiVersion}/${manifest.kind}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Model = require(modulePath)[manifest.kind];
  return new Model(manifest);
}

const variants: Array<[string, () => Manifest[]]> = [
  ['the defaults', () => render().manifests],
  ['hot synchronous standbys with every prop set', () => render({
    replicas: 5,
    standbyMode: StandbyMode.HOT,
    replicationMode: ReplicationMode.SYNC,
    synchronousReplicas: 2,
    storageSize: Size.gibibytes(20),
    storageClassName: 'fast',
    volumeRetention: { whenDeleted: VolumeRetention.DELETE, whenScaled: VolumeRetention.RETAIN },
    resources: { cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.units(2) }, memory: { limit: Size.gibibytes(4) } },
    parameters: { work_mem: '8MB' },
    leaseDuration: Duration.seconds(20),
    renewDeadline: Duration.seconds(12),
    retryPeriod: Duration.seconds(2),
    maximumLagOnFailover: Size.mebibytes(64),
    clusterDomain: 'corp.internal',
    monitoring: {},
  }).manifests],
  ['the examples', () => {
    const app = Testing.app();
    addExamples(app);
    return app.charts.flatMap((chart) => Testing.synth(chart));
  }],
];

describe('every rendered object validates against the Kubernetes schema (kubernetes-models)', () => {
  test.each(variants)('%s', (_, manifests) => {
    for (const manifest of manifests()) {
      expect(() => model(manifest).validate()).not.toThrow();
    }
  });
});
