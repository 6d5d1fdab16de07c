// The DNS names a member's server certificate answers to: its own name under the headless Service (how
// standbys, pg_basebackup and pg_rewind reach a primary) and the two client Services, each in the short
// forms a pod's resolver search path accepts.

export interface NameParts {
  readonly podName: string;
  readonly namespace: string;
  readonly clusterName: string;
  readonly podsService: string;
  readonly clusterDomain: string;
}

export interface ServerNames {
  /** The certificate's subject common name: the pod name (at most 63 characters, under X.509's 64). */
  readonly commonName: string;
  /** The common name of a CA the agents generate: `<cluster> CA`. */
  readonly caCommonName: string;
  /** Every name a generated certificate lists. */
  readonly dnsNames: readonly string[];
  /**
   * The fully qualified names a certificate from a Secret must cover: replication verifies the member's,
   * and `connectionEnv()` points clients at the Services'.
   */
  readonly required: readonly string[];
}

export function serverNames(p: NameParts): ServerNames {
  const hosts = [`${p.podName}.${p.podsService}`, p.clusterName, `${p.clusterName}-replicas`];
  const forms = (host: string) => [host, `${host}.${p.namespace}`, `${host}.${p.namespace}.svc`, `${host}.${p.namespace}.svc.${p.clusterDomain}`];
  return {
    commonName: p.podName,
    caCommonName: `${p.clusterName} CA`,
    dnsNames: hosts.flatMap(forms),
    required: hosts.map((host) => `${host}.${p.namespace}.svc.${p.clusterDomain}`),
  };
}
