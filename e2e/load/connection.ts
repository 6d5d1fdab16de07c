/**
 * Short-lived PostgreSQL sessions for the load generators: TLS verified against the cluster's CA when it
 * has one (as an application would connect), a bounded connect and statement time, and a hard close that
 * never waits for a server that stopped answering.
 */
import { Client } from 'pg';
import { clientConfig, type Credentials, type HostPort } from '../support/postgres-client';

/** A connection attempt to a silent address gives up after this; the writer then tries again at once. */
export const CONNECT_TIMEOUT_MS = 1000;
/** A statement without an answer for this long counts as failed (a silent or fenced server). */
export const STATEMENT_TIMEOUT_MS = 1000;

export async function connect(endpoint: HostPort, credentials: Credentials): Promise<Client> {
  const client = new Client({ ...clientConfig(endpoint, credentials, CONNECT_TIMEOUT_MS, STATEMENT_TIMEOUT_MS), application_name: 'bench' });
  // A server going away emits 'error' on an idle client; the next statement reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    close(client);
    throw error;
  }
  return client;
}

/** Closes at once: ends politely when possible, and drops the socket in any case. */
export function close(client: Client): void {
  client.end().catch(() => undefined);
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as Error & { code?: string }).code;
    return code ? `${code} ${error.message}` : error.message;
  }
  return String(error);
}
