/**
 * PostgreSQL clients for scenarios: through a Service's cluster address (what an application in the
 * cluster uses) or straight to a pod, authenticated with the credentials the cluster generated into
 * its Secret.
 */
import { Client, type QueryResultRow } from 'pg';
import type { ObjectStore } from '../apiserver/store';
import { getObject, SECRET } from './api-objects';
import type { Secret } from './kube';
import { secretBytes } from './object-data';

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

/** Reads `POSTGRES_USER` / `POSTGRES_PASSWORD` from the auth Secret, as `kubectl get secret` would. */
export function credentialsFrom(store: ObjectStore, namespace: string, secretName: string): Credentials | undefined {
  const data = secretBytes(getObject<Secret>(store, SECRET, namespace, secretName));
  const user = data?.POSTGRES_USER?.toString('utf8');
  const password = data?.POSTGRES_PASSWORD?.toString('utf8');
  return user && password ? { user, password } : undefined;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Short timeouts: a member that does not answer should fail the attempt, and the waiter retries. */
const CONNECT_TIMEOUT_MS = 3000;
const STATEMENT_TIMEOUT_MS = 10_000;

/** Runs one statement on a fresh connection and closes it. */
export async function query<R extends QueryResultRow = QueryResultRow>(endpoint: HostPort, credentials: Credentials, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new Client({
    host: endpoint.host,
    port: endpoint.port,
    user: credentials.user,
    password: credentials.password,
    database: 'postgres',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: STATEMENT_TIMEOUT_MS,
  });
  // An error on an idle client (server shut down) must not crash the runner.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}
