/**
 * Random clusters for the property-based tests: props that are mostly valid, so that the rendered
 * output is exercised, and now and then wrong in one or more ways, so that validation is. Every
 * property runs with the same seed: a failure reproduces by re-running the test, and fast-check prints
 * the shrunk counterexample.
 */
import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { AgentImage, PostgresCluster, PostgresClusterProps, PostgresVersion, ReplicationMode, StandbyMode, VolumeRetention } from '../../lib';
import { validateParameters } from '../../lib/postgres-config';
import { Manifest } from './helpers';

/** The seed and run count of every property: 1000 runs, as CI runs them. */
export const PROPERTY_RUNS = { seed: 20261126, numRuns: 1000 };

/** A peer given to `connections.allowFrom()`. */
export type PeerSpec =
  | { readonly kind: 'deployment'; readonly name: string }
  | { readonly kind: 'namespace'; readonly name: string }
  | { readonly kind: 'cidr'; readonly cidr: string };

export interface ClusterCase {
  /** The construct id (the cluster's name unless `props.name` is given). */
  readonly id: string;
  /** The chart's namespace. */
  readonly namespace?: string;
  /** Props, except the auth Secret, which needs a scope: see `authSecretName`. */
  readonly props: PostgresClusterProps;
  /** When set, `props.authSecret` is `Secret.fromSecretName(chart, …, authSecretName)`. */
  readonly authSecretName?: string;
  readonly peers: readonly PeerSpec[];
}

const dns1035Label = fc.stringMatching(/^[a-z]([-a-z0-9]{0,50}[a-z0-9])?$/);
const dns1123Label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/);
const subdomain = fc.array(dns1123Label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
const anyNumber = fc.oneof(fc.integer({ min: -10, max: 200 }), fc.double());
const anyDuration = fc.oneof(
  fc.integer({ min: 0, max: 120 }).map((s) => Duration.seconds(s)),
  fc.integer({ min: 0, max: 20_000 }).map((ms) => Duration.millis(ms)),
  fc.integer({ min: 1, max: 3 }).map((h) => Duration.hours(h)),
);
const image = fc.stringMatching(/^[a-z0-9]+(\.[a-z0-9]+)*(\/[a-z0-9]+)*:[a-z0-9.]{1,10}$/);
const resources = fc.constantFrom<kplus.ContainerResources>(
  { cpu: { request: kplus.Cpu.millis(250) } },
  { memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) } },
  { cpu: { request: kplus.Cpu.units(1), limit: kplus.Cpu.units(2) }, memory: { limit: Size.gibibytes(8) }, ephemeralStorage: { request: Size.gibibytes(1) } },
);
const peer: fc.Arbitrary<PeerSpec> = fc.oneof(
  dns1123Label.map((n) => ({ kind: 'deployment' as const, name: n })),
  dns1123Label.map((n) => ({ kind: 'namespace' as const, name: n })),
  fc.tuple(fc.ipV4(), fc.integer({ min: 8, max: 32 })).map(([ip, bits]) => ({ kind: 'cidr' as const, cidr: `${ip}/${bits}` })),
);

/** replicas, replicationMode and synchronousReplicas that fit together. */
const replication: fc.Arbitrary<PostgresClusterProps> = optional(fc.integer({ min: 1, max: 64 })).chain((replicas) => {
  const effective = replicas ?? 3;
  const async = fc.record({ replicas: fc.constant(replicas), replicationMode: optional(fc.constant(ReplicationMode.ASYNC)) });
  const sync = fc.record({
    replicas: fc.constant(replicas),
    replicationMode: fc.constant(ReplicationMode.SYNC),
    synchronousReplicas: optional(fc.integer({ min: 1, max: Math.max(1, effective - 1) })),
  });
  return effective < 2 ? async : fc.oneof(async, sync);
});

/** Failover timing: the defaults, or all three given with lease > renew > 1.2 × retry. */
const timing: fc.Arbitrary<PostgresClusterProps> = fc.oneof(
  fc.constant({}),
  fc.integer({ min: 1, max: 5000 }).chain((retry) => fc.integer({ min: Math.floor(retry * 1.2) + 1, max: 60_000 }).chain((renew) =>
    fc.integer({ min: Math.floor(renew / 1000) + 1, max: 3600 }).map((lease) => ({
      leaseDuration: Duration.seconds(lease),
      renewDeadline: Duration.millis(renew),
      retryPeriod: Duration.millis(retry),
    })))),
);

/** Props that are all valid, and coherent with each other. */
const validProps: fc.Arbitrary<PostgresClusterProps> = fc.tuple(replication, timing, fc.record({
  name: dns1035Label,
  version: fc.constantFrom(PostgresVersion.V15, PostgresVersion.V16, PostgresVersion.V17, PostgresVersion.V18),
  standbyMode: fc.constantFrom(StandbyMode.WARM, StandbyMode.HOT),
  storageSize: fc.oneof(fc.integer({ min: 16, max: 4096 }).map((mi) => Size.mebibytes(mi)), fc.integer({ min: 1, max: 2048 }).map((gi) => Size.gibibytes(gi))),
  storageClassName: subdomain,
  volumeRetention: fc.record({
    whenDeleted: fc.constantFrom(VolumeRetention.RETAIN, VolumeRetention.DELETE),
    whenScaled: fc.constantFrom(VolumeRetention.RETAIN, VolumeRetention.DELETE),
  }, { requiredKeys: [] }),
  resources,
  postgresImage: image,
  agentImage: fc.oneof(image.map(AgentImage.nodeRuntime), image.map(AgentImage.prebuilt)),
  parameters: fc.dictionary(fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}(\.[a-z_][a-z0-9_]{0,10})?$/).filter((n) => !isOwned(n)),
    fc.string().filter((v) => !/[\r\n]/.test(v)), { maxKeys: 4 }),
  maximumLagOnFailover: fc.integer({ min: 0, max: 1024 }).map((mi) => Size.mebibytes(mi)),
  clusterDomain: subdomain,
  networkPolicy: fc.boolean(),
}, { requiredKeys: [] })).map(([a, b, c]) => ({ ...a, ...b, ...c }));

/** One prop given a value that may be wrong: anything of its type. */
const mutation: fc.Arbitrary<PostgresClusterProps> = fc.oneof(
  fc.record({ name: fc.oneof(fc.string(), fc.stringMatching(/^[a-z][a-z0-9]{52,70}$/)) }),
  fc.record({ replicas: anyNumber }),
  fc.record({ synchronousReplicas: anyNumber }),
  fc.record({ storageSize: fc.oneof(fc.integer({ min: 0, max: 20 }).map((mi) => Size.mebibytes(mi)), fc.constantFrom(Size.mebibytes(NaN), Size.mebibytes(Infinity))) }),
  fc.record({ storageClassName: fc.string() }),
  fc.record({ postgresImage: fc.string() }),
  fc.record({ agentImage: fc.string().map(AgentImage.nodeRuntime) }),
  fc.record({ parameters: fc.dictionary(fc.oneof(fc.constantFrom('wal_level', 'Hot_Standby', 'ssl', 'archive_mode', 'port'), fc.string()), fc.string(), { minKeys: 1, maxKeys: 2 }) }),
  fc.record({ leaseDuration: anyDuration }),
  fc.record({ renewDeadline: anyDuration }),
  fc.record({ retryPeriod: anyDuration }),
  fc.record({ maximumLagOnFailover: fc.constantFrom(Size.mebibytes(NaN), Size.mebibytes(Infinity)) }),
  fc.record({ clusterDomain: fc.string() }),
);

/** Valid props, and in about a third of the cases one or two of them changed to anything of their type. */
const props: fc.Arbitrary<PostgresClusterProps> = fc.tuple(validProps, fc.oneof(
  { weight: 2, arbitrary: fc.constant([]) },
  { weight: 1, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 2 }) },
)).map(([valid, mutations]) => Object.assign({}, valid, ...mutations));

function isOwned(parameter: string): boolean {
  try {
    validateParameters({ [parameter]: '' });
    return false;
  } catch {
    return true;
  }
}

export const clusterCase: fc.Arbitrary<ClusterCase> = fc.record({
  id: fc.oneof({ weight: 19, arbitrary: dns1035Label }, { weight: 1, arbitrary: fc.string({ minLength: 1 }).filter((id) => !id.includes('/')) }),
  namespace: fc.option(dns1123Label, { nil: undefined }),
  props,
  authSecretName: fc.option(subdomain, { nil: undefined }),
  peers: fc.array(peer, { maxLength: 3 }),
}, { requiredKeys: ['id', 'props', 'peers'] });

export interface RenderedCase {
  readonly cluster: PostgresCluster;
  readonly manifests: Manifest[];
}

/** Renders the case in an app of its own; throws what the construct throws. */
export function renderCase(c: ClusterCase): RenderedCase {
  const chart = new Chart(Testing.app(), 'test', { namespace: c.namespace });
  const authSecret = c.authSecretName === undefined ? undefined : kplus.Secret.fromSecretName(chart, 'AuthSecret', c.authSecretName);
  const cluster = new PostgresCluster(chart, c.id, { ...c.props, ...(authSecret ? { authSecret } : {}) });
  c.peers.forEach((p, index) => cluster.connections.allowFrom(peerOf(chart, `Peer${index}`, p)));
  return { cluster, manifests: Testing.synth(chart) };
}

function peerOf(chart: Chart, id: string, p: PeerSpec): kplus.INetworkPolicyPeer {
  switch (p.kind) {
    case 'deployment':
      return new kplus.Deployment(chart, id, { metadata: { name: p.name }, containers: [{ image: 'app' }] });
    case 'namespace':
      return kplus.Namespaces.select(chart, id, { names: [p.name] });
    case 'cidr':
      return kplus.NetworkPolicyIpBlock.ipv4(chart, id, p.cidr);
  }
}
