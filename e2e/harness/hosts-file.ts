/**
 * The /etc/hosts of a pod's network namespace. The first part is what the kubelet writes into every
 * pod; the second part stands in for cluster DNS: every name a pod could resolve through CoreDNS and
 * its resolv.conf search path (`<ns>.svc.<domain> svc.<domain> <domain>`), spelled out.
 */

export interface HostsFileInput {
  readonly pod: { readonly name: string; readonly namespace: string; readonly address: string; readonly subdomain?: string };
  /** Every StatefulSet member (self included), with the governing Service as subdomain. */
  readonly members: ReadonlyArray<{ readonly name: string; readonly namespace: string; readonly subdomain: string; readonly address: string }>;
  /** Every Service with a cluster address, `kubernetes` in `default` included. */
  readonly services: ReadonlyArray<{ readonly name: string; readonly namespace: string; readonly address: string }>;
  readonly clusterDomain: string;
}

export function hostsFile(input: HostsFileInput): string {
  const { pod, clusterDomain } = input;
  const self = pod.subdomain
    ? `${pod.address}\t${pod.name}.${pod.subdomain}.${pod.namespace}.svc.${clusterDomain}\t${pod.name}`
    : `${pod.address}\t${pod.name}`;
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
    self,
    '',
    '# e2e harness: cluster DNS records (pods of StatefulSets, Services)',
    ...input.members.map((m) => `${m.address}\t${dnsNames(`${m.name}.${m.subdomain}`, m.namespace, pod.namespace, clusterDomain).join(' ')}`),
    ...input.services.map((s) => `${s.address}\t${dnsNames(s.name, s.namespace, pod.namespace, clusterDomain).join(' ')}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The spellings that resolve from `viewerNamespace`: the short ones only inside the same namespace. */
export function dnsNames(name: string, namespace: string, viewerNamespace: string, clusterDomain: string): string[] {
  const qualified = [`${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.${clusterDomain}`];
  return namespace === viewerNamespace ? [name, ...qualified] : qualified;
}

/**
 * resolv.conf for the namespace: the search path a pod gets, and a nameserver nobody listens on, so a
 * name missing from the hosts file fails at once instead of waiting for the host's resolver.
 */
export function resolvConf(namespace: string, clusterDomain: string): string {
  return `search ${namespace}.svc.${clusterDomain} svc.${clusterDomain} ${clusterDomain}\nnameserver 127.0.0.1\noptions ndots:5 attempts:1 timeout:1\n`;
}
