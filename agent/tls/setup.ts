// Wires the TLS module from the pod environment: the one call main.ts makes.
import type { AgentConfig } from '../config';
import type { KubeClient } from '../kube/client';
import { Secrets } from '../kube/secrets';
import { CaConfigMap } from './ca-config-map';
import { readTlsConfig } from './config';
import { serverNames } from './names';
import { ServerTls } from './server-tls';

export function serverTlsFromEnv(env: Record<string, string | undefined>, config: AgentConfig, kube: KubeClient): ServerTls {
  const tls = readTlsConfig(env, config.runDir);
  const labels = { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': config.clusterName, 'app.kubernetes.io/managed-by': 'cdk8s-postgres-ha' };
  return new ServerTls({
    config: tls,
    names: serverNames(config),
    secrets: new Secrets(kube, config.namespace),
    caPublisher: tls.caConfigMap ? new CaConfigMap(kube, config.namespace, tls.caConfigMap, labels) : null,
    wallNow: () => Date.now(),
    labels,
  });
}
