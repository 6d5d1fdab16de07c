/**
 * Cluster DNS, as hosts files: the records a pod could resolve (its StatefulSet peers through their
 * governing Service, every Service with a cluster address) written into each pod's namespace, and
 * rewritten when StatefulSets or Services change.
 */
import type { ObjectStore } from '../apiserver/store';
import { listObjects, POD, SERVICE, STATEFUL_SET } from './api-objects';
import { hostsFile, resolvConf } from './hosts-file';
import type { Pod, Service, StatefulSet } from './kube';
import type { PodNetwork } from './network';
import { podName } from './stateful-set-pods';

export class ClusterDns {
  private readonly unwatch: () => void;

  constructor(private readonly store: ObjectStore, private readonly network: PodNetwork, private readonly clusterDomain: string) {
    this.unwatch = store.watch((event) => {
      if (event.object.kind === 'Service' || event.object.kind === 'StatefulSet') this.refresh();
    });
  }

  filesFor(pod: Pod): { hosts: string; resolvConf: string } {
    const namespace = pod.metadata?.namespace ?? 'default';
    return { hosts: this.hostsFor(pod), resolvConf: resolvConf(namespace, this.clusterDomain) };
  }

  stop(): void {
    this.unwatch();
  }

  private hostsFor(pod: Pod): string {
    const namespace = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    const addresses = this.network.addresses;
    const members = listObjects<StatefulSet>(this.store, STATEFUL_SET)
      .filter((sts) => sts.spec?.serviceName)
      .flatMap((sts) => [...Array(sts.spec?.replicas ?? 1).keys()].map((ordinal) => {
        const member = podName(sts, ordinal);
        const memberNamespace = sts.metadata?.namespace ?? 'default';
        return { name: member, namespace: memberNamespace, subdomain: sts.spec?.serviceName ?? '', address: addresses.podSlot(memberNamespace, member).address };
      }));
    const services = listObjects<Service>(this.store, SERVICE)
      .filter((s) => s.spec?.clusterIP && s.spec.clusterIP !== 'None')
      .map((s) => ({ name: s.metadata?.name ?? '', namespace: s.metadata?.namespace ?? 'default', address: s.spec?.clusterIP ?? '' }));
    return hostsFile({
      pod: { name, namespace, address: addresses.podSlot(namespace, name).address, subdomain: pod.spec?.subdomain },
      members,
      services,
      clusterDomain: this.clusterDomain,
    });
  }

  private refresh(): void {
    const live = new Set(this.network.livePods());
    for (const pod of listObjects<Pod>(this.store, POD)) {
      const name = pod.metadata?.name ?? '';
      if (live.has(name)) this.network.updateHostsFile(name, this.hostsFor(pod));
    }
  }
}
