/** The key → bytes content of ConfigMaps and Secrets, as volumes and the environment consume it. */
import type { ConfigMap, Secret } from './kube';

export type DataBytes = Record<string, Buffer>;

export function configMapBytes(configMap: ConfigMap | undefined): DataBytes | undefined {
  if (!configMap) return undefined;
  const bytes: DataBytes = {};
  for (const [key, value] of Object.entries(configMap.data ?? {})) bytes[key] = Buffer.from(value, 'utf8');
  for (const [key, value] of Object.entries(configMap.binaryData ?? {})) bytes[key] = Buffer.from(value, 'base64');
  return bytes;
}

/** The API server folds stringData into data on write; both are read in case a fixture skipped it. */
export function secretBytes(secret: Secret | undefined): DataBytes | undefined {
  if (!secret) return undefined;
  const bytes: DataBytes = {};
  for (const [key, value] of Object.entries(secret.data ?? {})) bytes[key] = Buffer.from(value, 'base64');
  for (const [key, value] of Object.entries(secret.stringData ?? {})) bytes[key] = Buffer.from(value, 'utf8');
  return bytes;
}

export function asText(bytes: DataBytes | undefined): Record<string, string> | undefined {
  if (!bytes) return undefined;
  return Object.fromEntries(Object.entries(bytes).map(([key, value]) => [key, value.toString('utf8')]));
}
