/**
 * The ServiceAccount admission plugin, which the API server runs on every pod it creates: the pod gets
 * its service account (`default` unless named) and, unless automounting is off on the pod or the
 * account, the projected `kube-api-access-*` volume (token, ca.crt, namespace) in every container.
 */
import { randomBytes } from 'node:crypto';
import type { Pod, ServiceAccount } from './kube';
import { safeEncode } from './kube-names';

export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const ROOT_CA_CONFIG_MAP = 'kube-root-ca.crt';

export class AdmissionError extends Error {}

export function admitPod(pod: Pod, lookup: (namespace: string, name: string) => ServiceAccount | undefined): Pod {
  const namespace = pod.metadata?.namespace ?? 'default';
  const spec = pod.spec ?? { containers: [] };
  const accountName = spec.serviceAccountName ?? 'default';
  const account = lookup(namespace, accountName);
  if (!account) {
    throw new AdmissionError(`pods "${pod.metadata?.name}" is forbidden: error looking up service account ${namespace}/${accountName}: serviceaccount "${accountName}" not found`);
  }
  const admitted: Pod = { ...pod, spec: { ...spec, serviceAccountName: accountName, serviceAccount: accountName } };
  if ((spec.automountServiceAccountToken ?? account.automountServiceAccountToken) === false) return admitted;

  const volumeName = `kube-api-access-${safeEncode(randomBytes(5))}`;
  const mount = { name: volumeName, mountPath: SERVICE_ACCOUNT_MOUNT_PATH, readOnly: true };
  const withMount = (c: NonNullable<typeof spec.initContainers>[number]) =>
    (c.volumeMounts ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH) ? c : { ...c, volumeMounts: [...(c.volumeMounts ?? []), mount] };
  admitted.spec = {
    ...admitted.spec,
    containers: spec.containers.map(withMount),
    ...(spec.initContainers ? { initContainers: spec.initContainers.map(withMount) } : {}),
    volumes: [...(spec.volumes ?? []), {
      name: volumeName,
      projected: {
        defaultMode: 0o644,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: ROOT_CA_CONFIG_MAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    }],
  };
  return admitted;
}
