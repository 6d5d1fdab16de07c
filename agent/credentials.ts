// The cluster's passwords. They live only in the Kubernetes Secret (generated here at bootstrap unless the
// user gave one) and, inside the pod, in the pgpass file of the memory-backed /run/pgha emptyDir, which the
// postgres container's tools (pg_basebackup, pg_rewind, the walreceiver) read. They never appear in the
// rendered YAML, in environment variables, or in SQL text (roles get SCRAM verifiers).
import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Secrets } from './kube/secrets';

export const SUPERUSER = 'postgres';
export const REPLICATION_USER = 'replicator';

export const SECRET_KEYS = {
  user: 'POSTGRES_USER',
  password: 'POSTGRES_PASSWORD',
  replicationUser: 'REPLICATION_USER',
  replicationPassword: 'REPLICATION_PASSWORD',
} as const;

export interface Credentials {
  readonly superuserPassword: string;
  readonly replicationPassword: string;
}

export type CredentialsResult = { ok: true; credentials: Credentials } | { ok: false; reason: string };

export async function loadCredentials(secrets: Secrets, name: string): Promise<CredentialsResult> {
  const data = await secrets.get(name);
  if (!data) return { ok: false, reason: `Secret ${name} does not exist yet` };
  const superuserPassword = data[SECRET_KEYS.password];
  const replicationPassword = data[SECRET_KEYS.replicationPassword];
  const missing = [
    superuserPassword ? null : SECRET_KEYS.password,
    replicationPassword ? null : SECRET_KEYS.replicationPassword,
  ].filter((k) => k !== null);
  if (missing.length > 0) return { ok: false, reason: `Secret ${name} lacks the key(s) ${missing.join(', ')}` };
  return { ok: true, credentials: { superuserPassword, replicationPassword } };
}

/** The labels of the Secret the agents generate. */
export function managedSecretLabels(clusterName: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': clusterName, 'app.kubernetes.io/managed-by': 'cdk8s-postgres-ha' };
}

/** Creates the Secret with fresh passwords, or reads it when another member (or an earlier run) made it. */
export async function ensureManagedCredentials(secrets: Secrets, name: string, labels: Record<string, string>): Promise<CredentialsResult> {
  await createCredentialsSecret(secrets, name, { superuserPassword: generatePassword(), replicationPassword: generatePassword() }, labels);
  return loadCredentials(secrets, name);
}

/** Creates the Secret with these passwords unless one of that name exists. */
export function createCredentialsSecret(secrets: Secrets, name: string, credentials: Credentials, labels: Record<string, string>): Promise<'created' | 'exists'> {
  return secrets.create(
    name,
    {
      [SECRET_KEYS.user]: SUPERUSER,
      [SECRET_KEYS.password]: credentials.superuserPassword,
      [SECRET_KEYS.replicationUser]: REPLICATION_USER,
      [SECRET_KEYS.replicationPassword]: credentials.replicationPassword,
    },
    labels,
  );
}

function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

export async function writePgpass(runDir: string, credentials: Credentials): Promise<void> {
  const path = join(runDir, 'pgpass');
  const escape = (s: string) => s.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
  const text = [
    `*:*:*:${REPLICATION_USER}:${escape(credentials.replicationPassword)}`,
    `*:*:*:${SUPERUSER}:${escape(credentials.superuserPassword)}`,
    '',
  ].join('\n');
  const tmp = `${path}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

/**
 * The passwords of the pgpass file writePgpass() wrote, or null when there is none (a new pod: the
 * memory-backed emptyDir is gone) or it lacks one. It outlives a restart of the agent container.
 */
export async function readPgpass(runDir: string): Promise<Credentials | null> {
  const text = await readFile(join(runDir, 'pgpass'), 'utf8').catch(() => null);
  if (text === null) return null;
  const passwords = new Map<string, string>();
  for (const line of text.split('\n')) {
    // *:*:*:<user>:<password>, where the password escapes \\ and \: (writePgpass).
    const fields = line.match(/^\*:\*:\*:([^:]+):(.*)$/);
    if (fields) passwords.set(fields[1], fields[2].replace(/\\(.)/g, '$1'));
  }
  const superuserPassword = passwords.get(SUPERUSER);
  const replicationPassword = passwords.get(REPLICATION_USER);
  return superuserPassword && replicationPassword ? { superuserPassword, replicationPassword } : null;
}
