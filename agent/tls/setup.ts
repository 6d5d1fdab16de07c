// Wires the TLS modules from the pod environment: PostgreSQL's server certificate and the members'.
import { join } from 'node:path';
import type { AgentConfig } from '../config';
import type { KubeClient } from '../kube/client';
import { Secrets } from '../kube/secrets';
import { CaConfigMap } from './ca-config-map';
import { readTlsConfig } from './config';
import { serverNames } from './names';
import { MemberTls } from './member-tls';
import { ServerTls } from './server-tls';

function secretLabels(config: AgentConfig): Record<string, string> {
  return { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': config.clusterName, 'app.kubernetes.io/managed-by': 'cdk8s-postgres-ha' };
}

export function memberTlsFromConfig(config: AgentConfig, kube: KubeClient): MemberTls {
  const names = serverNames(config);
  return new MemberTls({
    podName: config.podName,
    clusterName: config.clusterName,
    dnsNames: names.dnsNames.filter((name) => name.startsWith(`${config.podName}.`)),
    caSecret: config.memberCaSecret,
    caCommonName: names.caCommonName,
    secrets: new Secrets(kube, config.namespace),
    labels: secretLabels(config),
    dir: join(config.runDir, 'members'),
    wallNow: () => Date.now(),
  });
}

export function serverTlsFromEnv(env: Record<string, string | undefined>, config: AgentConfig, kube: KubeClient): ServerTls {
  const tls = readTlsConfig(env, config.runDir);
  const labels = secretLabels(config);
  return new ServerTls({
    config: tls,
    names: serverNames(config),
    secrets: new Secrets(kube, config.namespace),
    caPublisher: tls.caConfigMap ? new CaConfigMap(kube, config.namespace, tls.caConfigMap, labels) : null,
    wallNow: () => Date.now(),
    labels,
  });
}
