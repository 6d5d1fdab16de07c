import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { objectMetadata, PRIMARY_ROLE, REPLICA_ROLE, ROLE_LABEL, selectorLabels } from './labels';
import { StandbyMode } from './modes';
import { AGENT_API_PORT, POSTGRES_PORT } from './pod-layout';
import { ClusterSettings } from './settings';

/** The three Services of a cluster. */
export interface ClusterServices {
  readonly primary: k8s.KubeService;
  readonly replicas: k8s.KubeService;
  readonly pods: k8s.KubeService;
}

/**
 * Built on the generated KubeService rather than cdk8s-plus' Service, which cannot target a named port
 * or publish not-ready addresses, and renders an empty externalIPs list.
 */
export function createServices(scope: Construct, settings: ClusterSettings): ClusterServices {
  const { name } = settings;
  const postgresPort = { name: 'postgres', port: POSTGRES_PORT, targetPort: k8s.IntOrString.fromString('postgres') };
  const byRole = (role: string) => ({ ...selectorLabels(name), [ROLE_LABEL]: role });

  const primary = new k8s.KubeService(scope, 'PrimaryService', {
    metadata: objectMetadata(settings, name),
    spec: { type: 'ClusterIP', ports: [postgresPort], selector: byRole(PRIMARY_ROLE) },
  });
  // Warm standbys refuse every connection, so with them reads go to the primary: the Service then
  // always has an endpoint that answers, and clients need not know the standby mode.
  const readRole = settings.standbyMode === StandbyMode.HOT ? REPLICA_ROLE : PRIMARY_ROLE;
  const replicas = new k8s.KubeService(scope, 'ReplicasService', {
    metadata: objectMetadata(settings, `${name}-replicas`),
    spec: { type: 'ClusterIP', ports: [postgresPort], selector: byRole(readRole) },
  });
  // Governs the StatefulSet: gives each member a stable DNS name. Not-ready members are published
  // too, because members must reach each other while they bootstrap, before any is ready.
  const pods = new k8s.KubeService(scope, 'PodsService', {
    metadata: objectMetadata(settings, `${name}-pods`),
    spec: {
      clusterIp: 'None',
      publishNotReadyAddresses: true,
      ports: [
        postgresPort,
        { name: 'agent-api', port: AGENT_API_PORT, targetPort: k8s.IntOrString.fromString('agent-api') },
      ],
      selector: selectorLabels(name),
    },
  });
  return { primary, replicas, pods };
}
