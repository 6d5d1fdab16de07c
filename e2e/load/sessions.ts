/**
 * One open connection per address for the benchmark's own frequent checks (health, rejoin polling):
 * polling every 50 ms with a new SCRAM-authenticated connection each time would cost more CPU than the
 * agents being measured.
 */
import type { Client, QueryResultRow } from 'pg';
import type { Credentials, HostPort } from '../support/postgres-client';
import { close, connect } from './connection';

export class SqlSessions {
  private readonly open = new Map<string, Client>();

  constructor(private readonly credentials: () => Credentials) {}

  async query<R extends QueryResultRow>(endpoint: HostPort, sql: string, params: unknown[] = []): Promise<R[]> {
    const key = `${endpoint.host}:${endpoint.port}`;
    let client = this.open.get(key);
    try {
      if (!client) {
        client = await connect(endpoint, this.credentials());
        this.open.set(key, client);
      }
      return (await client.query<R>(sql, params)).rows;
    } catch (error) {
      if (client) close(client);
      this.open.delete(key);
      throw error;
    }
  }

  closeAll(): void {
    for (const client of this.open.values()) close(client);
    this.open.clear();
  }
}
