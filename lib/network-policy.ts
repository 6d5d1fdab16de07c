import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { objectMetadata, selectorLabels } from './labels';
import { AGENT_MEMBER_PORT, POSTGRES_PORT } from './pod-layout';
import { ClusterSettings } from './settings';

/**
 * The members' ingress: PostgreSQL and the agents' member API from the members themselves (replication,
 * cloning, rewinding, the agents' peer checks), PostgreSQL from the peers allowed through
 * `ClusterConnections.allowFrom()`, the open API (port 8008) from Prometheus when monitoring asks for
 * it, nothing else. The member API also authenticates every caller (mutual TLS), so it stays closed
 * to strangers where the CNI does not enforce this policy.
 *
 * Egress is left open. The agent must reach the Kubernetes API server, whose address is not knowable
 * when the YAML is rendered (and, depending on the CNI, is matched before or after the `kubernetes`
 * Service's address is translated); a primary that cannot reach it fences itself, so a policy that
 * guessed wrong would take the whole cluster down.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export function createNetworkPolicy(scope: Construct, settings: ClusterSettings): kplus.NetworkPolicy {
  const members = kplus.Pods.select(scope, 'Members', { labels: selectorLabels(settings.name) });
  const policy = new kplus.NetworkPolicy(scope, 'NetworkPolicy', {
    metadata: objectMetadata(settings, settings.name),
    selector: members,
    ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
  });
  policy.addIngressRule(members, [kplus.NetworkPolicyPort.tcp(POSTGRES_PORT), kplus.NetworkPolicyPort.tcp(AGENT_MEMBER_PORT)]);
  return policy;
}

/**
 * Who may connect to a cluster's PostgreSQL besides its own members, in the spirit of cdk8s-plus'
 * `workload.connections`: `cluster.connections.allowFrom(app)`.
 */
export class ClusterConnections {
  /**
   * The connections of a cluster whose NetworkPolicy is `policy` (none with `networkPolicy: false`). A
   * factory rather than a constructor: jsii publishes every constructor, and only a cluster makes these.
   *
   * @internal
   */
  public static _of(policy?: kplus.NetworkPolicy): ClusterConnections {
    return new ClusterConnections(policy);
  }

  private readonly peers = new Set<kplus.INetworkPolicyPeer>();

  private constructor(private readonly policy?: kplus.NetworkPolicy) {}

  /**
   * Allows `peer` to connect to PostgreSQL (port 5432) on every member, and so through the Services.
   * The agents' ports stay closed to it: the member API (8009) admits the members only, the open API
   * (8008) the kubelet and, with monitoring, Prometheus.
   *
   * A peer is what cdk8s-plus takes: a workload or pod (`kplus.Deployment`, `kplus.Pod`, …, selected
   * by its pod labels, in its chart's namespace), `kplus.Pods.select()` / `Pods.all()`,
   * `kplus.Namespaces.select()` / `Namespaces.all()` (every pod of those namespaces), or an address
   * range `kplus.NetworkPolicyIpBlock.ipv4()` / `ipv6()` (for clients outside the pod network). Only
   * the cluster's ingress is opened: a peer whose own egress is isolated needs an egress rule too.
   * Allowing the same peer twice renders one rule.
   *
   * With `networkPolicy: false` nothing is rendered and this does nothing: every peer may connect.
   */
  public allowFrom(peer: kplus.INetworkPolicyPeer): void {
    if (!this.policy || this.peers.has(peer)) {
      return;
    }
    this.peers.add(peer);
    this.policy.addIngressRule(peer, [kplus.NetworkPolicyPort.tcp(POSTGRES_PORT)]);
  }
}
