import { Chart, Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { PostgresCluster, PostgresClusterProps } from '../../lib';

/** A rendered Kubernetes object, as plain JSON. */
export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; [key: string]: any }; [key: string]: any };

export interface Rendered {
  readonly cluster: PostgresCluster;
  readonly chart: Chart;
  readonly manifests: Manifest[];
}

/** Renders one cluster in a chart of its own (namespace `demo` unless `namespace` says otherwise). */
export function render(props: PostgresClusterProps = {}, options: { id?: string; namespace?: string | null } = {}): Rendered {
  const app = Testing.app();
  const chart = new Chart(app, 'test', { namespace: options.namespace === null ? undefined : (options.namespace ?? 'demo') });
  const cluster = new PostgresCluster(chart, options.id ?? 'pg', props);
  return { cluster, chart, manifests: Testing.synth(chart) };
}

/** The one object of that kind and name; fails the test when there is none or more than one. */
export function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind && m.metadata.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind} named ${name}, found ${found.length} among `
      + manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', '));
  }
  return found[0];
}

export function container(manifests: Manifest[], statefulSet: string, name: string): any {
  const containers: any[] = find(manifests, 'StatefulSet', statefulSet).spec.template.spec.containers;
  return containers.find((c) => c.name === name);
}

/** A container's plain env values by name (valueFrom entries map to their valueFrom). */
export function envOf(c: any): Record<string, any> {
  return Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

/**
 * The manifests as YAML, for snapshots, with the files other parts of the repository own replaced by
 * placeholders (the agent bundle, the supervisor script, and the hash of both): the snapshot then
 * pins what the construct renders, and examples/rendered pins the full bytes.
 */
export function maskedYaml(manifests: Manifest[]): string {
  const masked = manifests.map((m) => {
    const copy = JSON.parse(JSON.stringify(m));
    if (copy.kind === 'ConfigMap' && copy.binaryData?.['agent.js.gz'] !== undefined) {
      copy.binaryData['agent.js.gz'] = '<build/agent/agent.js.gz>';
    }
    if (copy.kind === 'ConfigMap' && copy.data?.['supervisor.sh'] !== undefined) {
      copy.data['supervisor.sh'] = '<agent/supervisor.sh>';
    }
    const annotations = copy.spec?.template?.metadata?.annotations;
    if (annotations?.['cdk8s-postgres-ha/config-hash'] !== undefined) {
      annotations['cdk8s-postgres-ha/config-hash'] = '<hash of the ConfigMaps>';
    }
    return copy;
  });
  return masked.map((m) => stringify(m, { lineWidth: 0 })).join('---\n');
}
