/**
 * Property-based tests: random props either render objects that Kubernetes and the agent accept and
 * that hold the cluster's invariants, or fail when the construct is created, naming the prop and the
 * value received.
 */
import { Duration, Size } from 'cdk8s';
import * as fc from 'fast-check';
import { readConfig } from '../../agent/config';
import { AgentImage, PodSecurity, PodSecurityRules, ReplicationMode } from '../../lib';
import { ClusterCase, clusterCase, PROPERTY_RUNS, RenderedCase, renderCase } from './arbitrary-props';
import { envOf, find, Manifest } from './helpers';

const ROLE_LABEL = 'cdk8s-postgres-ha/role';
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** resource.Quantity's grammar: a decimal number, then a binary or decimal suffix or an exponent. */
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

/** kubernetes-models' class for a manifest: `v1/<Kind>` for the core group, `<group>/<version>/<Kind>` otherwise. */
function validateSchema(manifest: Manifest): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Model = require(`kubernetes-models/${manifest.apiVersion}/${manifest.kind}`)[manifest.kind];
  new Model(manifest).validate();
}

function isLabel(value: string, max = 63): boolean {
  return value.length <= max && DNS_1123_LABEL.test(value);
}

function isSubdomain(value: string): boolean {
  return value.length <= 253 && DNS_1123_SUBDOMAIN.test(value);
}

function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  return (prefix === undefined || isSubdomain(prefix)) && name.length <= 63 && LABEL_NAME.test(name);
}

function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && LABEL_NAME.test(value));
}

/** Every label map in the object: its own labels, pod template and claim template labels, and selectors. */
function labelMaps(manifest: Manifest): Array<Record<string, string>> {
  const maps: Array<Record<string, string>> = [];
  const walk = (value: unknown, key?: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item) => walk(item));
    } else if (value !== null && typeof value === 'object') {
      if (key === 'labels' || key === 'matchLabels' || (key === 'selector' && manifest.kind === 'Service')) {
        maps.push(value as Record<string, string>);
        return;
      }
      Object.entries(value).forEach(([k, v]) => walk(v, k));
    }
  };
  walk(manifest);
  return maps;
}

function isSubset(subset: Record<string, string>, of: Record<string, string>): boolean {
  return Object.entries(subset).every(([key, value]) => of[key] === value);
}

function fail(invariant: string, detail: unknown): never {
  throw new Error(`${invariant}: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`);
}

/** The invariants of a rendered cluster; each throws naming itself. */
function checkInvariants(c: ClusterCase, { cluster, manifests }: RenderedCase): void {
  const own = manifests.filter((m) => m.metadata.labels?.['app.kubernetes.io/instance'] === cluster.name);
  const statefulSet = find(manifests, 'StatefulSet', cluster.name);
  const template = statefulSet.spec.template;
  const podLabels: Record<string, string> = template.metadata.labels;
  const replicas = c.props.replicas ?? 3;
  const members = Array.from({ length: replicas }, (_, ordinal) => `${cluster.name}-${ordinal}`);
  const agentEnv = envOf(template.spec.containers.find((x: any) => x.name === 'agent'));

  for (const manifest of manifests) {
    try {
      validateSchema(manifest);
    } catch (error) {
      fail(`schema of ${manifest.kind}/${manifest.metadata.name}`, (error as Error).message);
    }
  }

  for (const manifest of own) {
    const { name, namespace } = manifest.metadata;
    if (!isSubdomain(name) || !isLabel(namespace)) {
      fail('object names are DNS-1123 subdomains in a DNS-1123 label namespace', `${manifest.kind} ${namespace}/${name}`);
    }
    if (manifest.kind === 'Service' && !(name.length <= 63 && DNS_1035_LABEL.test(name))) {
      fail('Service names are DNS-1035 labels', name);
    }
    for (const labels of labelMaps(manifest)) {
      const bad = Object.entries(labels).filter(([key, value]) => !isLabelKey(key) || !isLabelValue(value));
      if (bad.length > 0) {
        fail(`labels of ${manifest.kind}/${name} are valid label keys and values`, bad);
      }
    }
  }
  // Pods are named <statefulset>-<ordinal> (their hostname, a DNS-1123 label), labelled
  // controller-revision-hash=<statefulset>-<10 characters>, and own the claims data-<pod>.
  for (const pod of members) {
    if (!isLabel(pod) || !isLabelValue(`${statefulSet.metadata.name}-0123456789`) || !isSubdomain(`data-${pod}`)) {
      fail('pod, revision label and claim names are valid', pod);
    }
  }

  if (statefulSet.spec.replicas !== replicas || agentEnv.PGHA_REPLICAS !== String(replicas)) {
    fail('the StatefulSet and the agents have the replicas asked for', { asked: replicas, rendered: statefulSet.spec.replicas, env: agentEnv.PGHA_REPLICAS });
  }
  if (c.props.replicationMode === ReplicationMode.SYNC) {
    const sync = Number(agentEnv.PGHA_SYNCHRONOUS_REPLICAS);
    if (!(sync >= 1 && sync < replicas && sync === (c.props.synchronousReplicas ?? 1))) {
      fail('1 <= synchronous replicas < replicas', { sync, replicas });
    }
  }
  if ((agentEnv.PGHA_SYNCHRONOUS_STRICT === 'true') !== (c.props.synchronousStrict === true)) {
    fail('PGHA_SYNCHRONOUS_STRICT is rendered exactly when synchronousStrict is true', { env: agentEnv.PGHA_SYNCHRONOUS_STRICT, prop: c.props.synchronousStrict });
  }

  if (!isSubset(statefulSet.spec.selector.matchLabels, podLabels)) {
    fail('the StatefulSet selects its own pod template', statefulSet.spec.selector);
  }
  for (const service of own.filter((m) => m.kind === 'Service')) {
    const { [ROLE_LABEL]: role, ...rest } = service.spec.selector;
    if (!isSubset(rest, podLabels) || ![undefined, 'primary', 'replica'].includes(role) || Object.keys(rest).length === 0) {
      fail(`Service ${service.metadata.name} selects the members (by role)`, service.spec.selector);
    }
  }
  const budget = find(manifests, 'PodDisruptionBudget', cluster.name);
  if (!isSubset(budget.spec.selector.matchLabels, podLabels)) {
    fail('the PodDisruptionBudget selects the members', budget.spec.selector);
  }

  const policies = own.filter((m) => m.kind === 'NetworkPolicy');
  if (policies.length !== (c.props.networkPolicy === false ? 0 : 1)) {
    fail('a NetworkPolicy unless networkPolicy is false', policies.length);
  }
  for (const policy of policies) {
    const memberRule = policy.spec.ingress[0];
    if (!isSubset(policy.spec.podSelector.matchLabels, podLabels) || !isSubset(memberRule.from[0].podSelector.matchLabels, podLabels)
      || policy.spec.ingress.length !== 1 + new Set(c.peers.map((p) => JSON.stringify(p))).size) {
      fail('the NetworkPolicy selects the members, admits them, and one rule per peer', policy.spec);
    }
  }

  const findings = PodSecurity.check([statefulSet], PodSecurityRules.HARDENED);
  if (findings.length > 0) {
    fail('the pods pass the hardened restricted rules', findings);
  }

  const rules: any[] = find(manifests, 'Role', cluster.name).rules;
  const podNames = rules.find((r) => r.resources[0] === 'pods' && r.resourceNames)?.resourceNames;
  const secretNames = rules.find((r) => r.resources[0] === 'secrets' && r.resourceNames)?.resourceNames;
  if (JSON.stringify(podNames) !== JSON.stringify(members) || !secretNames?.includes(cluster.authSecretName)
    || agentEnv.PGHA_AUTH_SECRET !== cluster.authSecretName) {
    fail('the Role names every member and the auth Secret the agents use', { podNames, secretNames });
  }

  const quantities = [
    ...statefulSet.spec.volumeClaimTemplates.map((t: any) => t.spec.resources.requests.storage),
    ...template.spec.containers.flatMap((x: any) => [...Object.values(x.resources?.requests ?? {}), ...Object.values(x.resources?.limits ?? {})]),
  ];
  if (!quantities.every((q) => QUANTITY.test(String(q)))) {
    fail('every quantity is a Kubernetes quantity', quantities);
  }

  try {
    readConfig({ ...agentEnv, POD_NAME: members[replicas - 1], POD_NAMESPACE: cluster.namespace });
  } catch (error) {
    fail('the agent accepts its rendered environment', (error as Error).message);
  }
}

/** How a message may show a prop's value: strings quoted, numbers as words, sizes and durations with their units. */
function shownAs(value: unknown, message: string): string[] {
  if (typeof value === 'string') {
    return [`"${value}"`];
  }
  if (typeof value === 'number') {
    const word = new RegExp(`(^|[\\s(])${String(value).replace(/[.+]/g, '\\$&')}($|[\\s,)])`);
    return word.test(message) ? [String(value)] : [];
  }
  if (value instanceof Size) {
    return [value.asString()];
  }
  if (value instanceof Duration) {
    const ms = value.toMilliseconds({ integral: false });
    return [`${ms}ms`, `${ms / 1000}s`];
  }
  if (value instanceof AgentImage) {
    return [`"${value.image}"`];
  }
  if (value !== null && typeof value === 'object') {
    return Object.keys(value).map((key) => `"${key}"`);
  }
  return [];
}

/** Whether the message names one of the props given and shows the value it was given. */
function namesPropAndValue(message: string, c: ClusterCase): boolean {
  const given: Array<[string, unknown]> = Object.entries(c.props);
  if (c.props.name === undefined) {
    given.push(['name', c.id]);
  }
  return given.some(([prop, value]) => new RegExp(`\\b${prop}\\b`).test(message) && shownAs(value, message).some((shown) => message.includes(shown)));
}

describe('random props (fast-check, seeded)', () => {
  test('render schema-valid objects whose invariants hold, or fail naming the prop and the value received', () => {
    const outcomes = { rendered: 0, rejected: 0 };
    fc.assert(fc.property(clusterCase, (c) => {
      let rendered: RenderedCase;
      try {
        rendered = renderCase(c);
      } catch (error) {
        outcomes.rejected++;
        const message = (error as Error).message;
        if (error instanceof TypeError || !namesPropAndValue(message, c)) {
          throw new Error(`the error does not name the prop and the value received: ${message}`);
        }
        return;
      }
      outcomes.rendered++;
      checkInvariants(c, rendered);
    }), PROPERTY_RUNS);
    // Both sides were exercised, not only one.
    expect(outcomes.rendered).toBeGreaterThan(PROPERTY_RUNS.numRuns / 5);
    expect(outcomes.rejected).toBeGreaterThan(PROPERTY_RUNS.numRuns / 5);
  });
});
