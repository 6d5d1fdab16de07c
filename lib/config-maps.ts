import { createHash } from 'crypto';
import { SizeRoundingBehavior } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AGENT_BUNDLE_LOADER, compressedAgentBundle, supervisorScript, walScript } from './agent-bundle';
import { objectMetadata } from './labels';
import { renderPgHba, renderPostgresqlConf } from './postgres-config';
import { ClusterSettings } from './settings';

/** The two ConfigMaps a pod mounts, and a hash of their contents for the pod template. */
export interface ClusterConfigMaps {
  /** `<name>-config`: postgresql.conf, pg_hba.conf, supervisor.sh (and wal.sh with backup or restore), mounted at /etc/pgha. */
  readonly config: k8s.KubeConfigMap;
  /**
   * `<name>-agent`: the agent bundle gzip-compressed (binaryData agent.js.gz) and agent.js, which runs it,
   * mounted at /opt/pgha; absent when the agent image carries the bundle.
   */
  readonly agent?: k8s.KubeConfigMap;
  /**
   * Changes whenever either ConfigMap's data changes. Kubernetes does not restart pods when a mounted
   * ConfigMap changes, so the pod template carries this hash to roll the pods instead.
   */
  readonly hash: string;
}

export function createConfigMaps(scope: Construct, settings: ClusterSettings): ClusterConfigMaps {
  const configData = {
    'postgresql.conf': renderPostgresqlConf({
      name: settings.name,
      replicas: settings.replicas,
      standbyMode: settings.standbyMode,
      storageMebibytes: settings.storageSize.toMebibytes({ rounding: SizeRoundingBehavior.NONE }),
      parameters: settings.parameters,
      tlsParameters: settings.tls.parameters(),
      archiveParameters: settings.backup?.parameters(),
    }),
    'pg_hba.conf': renderPgHba(settings.name, settings.tls.hbaConnectionType),
    'supervisor.sh': supervisorScript(),
    // restore_command too: a cluster bootstrapped from a backup recovers through it.
    ...(settings.backup || settings.restore ? { 'wal.sh': walScript() } : {}),
  };
  const agentData: Record<string, string> = settings.agentImage.bundleInImage ? {} : { 'agent.js': AGENT_BUNDLE_LOADER };
  const agentBinaryData: Record<string, string> = settings.agentImage.bundleInImage ? {} : { 'agent.js.gz': compressedAgentBundle() };
  const config = new k8s.KubeConfigMap(scope, 'Config', {
    metadata: objectMetadata(settings, `${settings.name}-config`),
    data: configData,
  });
  const agent = settings.agentImage.bundleInImage ? undefined : new k8s.KubeConfigMap(scope, 'AgentBundle', {
    metadata: objectMetadata(settings, `${settings.name}-agent`),
    data: agentData,
    binaryData: agentBinaryData,
  });
  const hash = createHash('sha256').update(JSON.stringify([configData, agentData, agentBinaryData])).digest('hex').slice(0, 16);
  return { config, agent, hash };
}
