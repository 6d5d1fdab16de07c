// Where the other members' agents and PostgreSQL are reached: the pod address the API server reported
// in the latest Pod list, or the member's per-pod DNS name while no address is known.
//
// Why not DNS alone: cluster DNS caches answers, negative ones included (kubeadm's CoreDNS: `cache 30`).
// A member that looked a peer up before that peer's address was published is told "no such name" for
// up to 30 s; on a real cluster that hid a peer during the first half minute after the pods started and
// blocked a synchronous failover ("sees 1 of the 2 quorum members"). A re-created pod's new address
// likewise reaches the agents with the next Pod list, not after a cache's TTL.
export interface PodAddress {
  readonly name: string;
  readonly podIP: string | null;
}

export class PodAddresses {
  private byName = new Map<string, string>();

  constructor(private readonly dnsName: (member: string) => string) {}

  /** Takes the addresses of the latest Pod list; a pod that is gone or has no address falls back to DNS. */
  update(pods: readonly PodAddress[]): void {
    this.byName = new Map(pods.filter((p) => p.podIP).map((p) => [p.name, p.podIP as string]));
  }

  host(member: string): string {
    return this.byName.get(member) ?? this.dnsName(member);
  }
}
