/**
 * The Docker-links style variables the kubelet injects for Services (pkg/kubelet/envvars): always for
 * `kubernetes` in `default`, and for every Service of the pod's namespace unless the pod sets
 * `enableServiceLinks: false`. Only Services with a cluster address count.
 */
import type { Service } from './kube';

export function serviceLinkEnv(services: readonly Service[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const service of services) {
    const address = service.spec?.clusterIP;
    const ports = service.spec?.ports ?? [];
    if (!address || address === 'None' || ports.length === 0) continue;
    const prefix = (service.metadata?.name ?? '').toUpperCase().replace(/-/g, '_');
    env[`${prefix}_SERVICE_HOST`] = address;
    env[`${prefix}_SERVICE_PORT`] = String(ports[0].port);
    for (const port of ports) {
      if (port.name) env[`${prefix}_SERVICE_PORT_${port.name.toUpperCase().replace(/-/g, '_')}`] = String(port.port);
    }
    const first = ports[0];
    const firstProtocol = (first.protocol ?? 'TCP').toLowerCase();
    env[`${prefix}_PORT`] = `${firstProtocol}://${address}:${first.port}`;
    for (const port of ports) {
      const protocol = (port.protocol ?? 'TCP').toLowerCase();
      const base = `${prefix}_PORT_${port.port}_${protocol.toUpperCase()}`;
      env[base] = `${protocol}://${address}:${port.port}`;
      env[`${base}_PROTO`] = protocol;
      env[`${base}_PORT`] = String(port.port);
      env[`${base}_ADDR`] = address;
    }
  }
  return env;
}
