/**
 * PostgreSQL clients for scenarios and the load tools: through a Service's address (what an application
 * in the cluster uses) or straight to a pod, authenticated with the credentials the cluster generated into
 * its Secret (e2e/k8s/database.ts reads them with kubectl).
 */
import { Client, type ClientConfig, type QueryResultRow } from 'pg';

export interface Credentials {
  readonly user: string;
  readonly password: string;
  /**
   * The CA that signs the servers' certificates (PEM). With it, connections use TLS and verify the
   * certificate against it and the endpoint's `serverName`; without it, they are plaintext.
   */
  readonly ca?: string;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
  /** The DNS name a client would have connected by, which the server's certificate must carry (`host` is an address). */
  readonly serverName?: string;
}

/** Short timeouts: a member that does not answer should fail the attempt, and the waiter retries. */
const CONNECT_TIMEOUT_MS = 3000;
const STATEMENT_TIMEOUT_MS = 10_000;

/**
 * How a test client connects to database postgres: TLS verified against the cluster's CA when the
 * credentials carry one (as an application would), else plain; bounded connect and answer times.
 */
export function clientConfig(endpoint: HostPort, credentials: Credentials, connectTimeoutMs: number, queryTimeoutMs: number): ClientConfig {
  return {
    host: endpoint.host,
    port: endpoint.port,
    user: credentials.user,
    password: credentials.password,
    database: 'postgres',
    ssl: credentials.ca ? { ca: credentials.ca, servername: endpoint.serverName } : false,
    connectionTimeoutMillis: connectTimeoutMs,
    query_timeout: queryTimeoutMs,
  };
}

/** Runs one statement on a fresh connection and closes it. */
export async function query<R extends QueryResultRow = QueryResultRow>(endpoint: HostPort, credentials: Credentials, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new Client({ ...clientConfig(endpoint, credentials, CONNECT_TIMEOUT_MS, STATEMENT_TIMEOUT_MS), statement_timeout: STATEMENT_TIMEOUT_MS });
  // An error on an idle client (server shut down) must not crash the runner.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}
