// The TLS part of the pod environment (agent/README.md, "Environment"). Read apart from config.ts so the
// TLS code has one entry point and the rest of the agent does not depend on where certificates come from.
import { join } from 'node:path';

/**
 * generated: the agents keep a CA in the Secret `<name>-ca` and each issues its own server certificate;
 * secret: a kubernetes.io/tls Secret (the user's, or cert-manager's) is mounted into the agent container;
 * disabled: PostgreSQL runs without TLS.
 */
export type TlsSource = 'generated' | 'secret' | 'disabled';

export interface TlsConfig {
  readonly source: TlsSource;
  /** generated: the Secret with the cluster's CA (`ca.crt`, `ca.key`). */
  readonly caSecret: string | null;
  /** secret: the Secret's name (for messages) and where the agent container mounts it. */
  readonly secret: string | null;
  readonly secretDir: string | null;
  /** The ConfigMap the agents publish the CA certificate in, key `ca.crt`, for clients; null when disabled. */
  readonly caConfigMap: string | null;
  /** Where PostgreSQL and the replication clients find the files: `<run dir>/tls`. */
  readonly dir: string;
}

type Env = Record<string, string | undefined>;

export function readTlsConfig(env: Env, runDir: string): TlsConfig {
  const text = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') throw new Error(`environment variable ${name} is required with PGHA_TLS_SOURCE=${env.PGHA_TLS_SOURCE}`);
    return value;
  };
  const source = env.PGHA_TLS_SOURCE;
  const dir = join(runDir, 'tls');
  switch (source) {
    case 'generated':
      return { source, caSecret: text('PGHA_TLS_CA_SECRET'), secret: null, secretDir: null, caConfigMap: text('PGHA_TLS_CA_CONFIG_MAP'), dir };
    case 'secret':
      return { source, caSecret: null, secret: text('PGHA_TLS_SECRET'), secretDir: text('PGHA_TLS_SECRET_DIR'), caConfigMap: text('PGHA_TLS_CA_CONFIG_MAP'), dir };
    case 'disabled':
      return { source, caSecret: null, secret: null, secretDir: null, caConfigMap: null, dir };
    default:
      throw new Error(`environment variable PGHA_TLS_SOURCE must be one of generated, secret, disabled, got '${source ?? ''}'`);
  }
}
