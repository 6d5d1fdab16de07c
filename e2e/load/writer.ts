/**
 * The writer of issue 5: inserts an increasing id every 20 ms through Service `<name>` and records each
 * acknowledged commit with its time and the pod that served it (`inet_server_addr()`). After an error it
 * drops the connection and tries again with a new one at the next 20 ms tick — at once, no back-off, but
 * never faster than the writer's own rate, so a Service without endpoints (connections reset in a
 * millisecond) does not turn the writer into a busy loop on a 2-core machine.
 */
import type { Client } from 'pg';
import type { Credentials, HostPort } from '../support/postgres-client';
import { delay } from '../support/sleep';
import { now, type AckedWrite, type FailedWrite } from './write-log';
import { close, connect, describeError } from './connection';

export const WRITE_INTERVAL_MS = 20;

export const WRITES_TABLE = 'bench_writes';

export interface WriterLog {
  readonly writes: AckedWrite[];
  readonly failures: FailedWrite[];
}

export class ServiceWriter {
  private stopped = false;
  private readonly done: Promise<void>;
  private readonly listeners = new Set<(write: AckedWrite) => void>();
  readonly log: WriterLog = { writes: [], failures: [] };

  /**
   * @param trial the rows' trial number (ids restart at 1 in every trial)
   * @param podOf maps a server address to its pod name
   */
  constructor(private readonly service: HostPort, private readonly credentials: () => Credentials, private readonly trial: number, private readonly podOf: (address: string) => string) {
    this.done = this.run();
  }

  /** Calls back on every acknowledged write (for waits such as "the new primary took a write"). */
  onAck(listener: (write: AckedWrite) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves with the first acknowledged write that satisfies the predicate, one already acknowledged
   * included: a fault's own actions (a cut healed, a clock set back) often end after the first write it let
   * through, and a wait that began then must not report the next one instead.
   */
  waitForAck(predicate: (write: AckedWrite) => boolean, timeoutMs: number, what: string): Promise<AckedWrite> {
    const earlier = this.log.writes.find(predicate);
    if (earlier) return Promise.resolve(earlier);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`));
      }, timeoutMs);
      const off = this.onAck((write) => {
        if (!predicate(write)) return;
        clearTimeout(timer);
        off();
        resolve(write);
      });
    });
  }

  async stop(): Promise<WriterLog> {
    this.stopped = true;
    await this.done;
    return this.log;
  }

  private async run(): Promise<void> {
    let client: Client | null = null;
    let id = 0;
    while (!this.stopped) {
      id += 1;
      const sentAt = now();
      try {
        client ??= await connect(this.service, this.credentials());
        const result = await client.query<{ address: string }>(
          `insert into ${WRITES_TABLE} (trial, id) values ($1, $2) returning host(inet_server_addr()) as address`, [this.trial, id]);
        const write = { id, sentAt, at: now(), pod: this.podOf(result.rows[0].address) };
        this.log.writes.push(write);
        for (const listener of [...this.listeners]) listener(write);
      } catch (error) {
        this.log.failures.push({ id, sentAt, at: now(), error: describeError(error) });
        if (client) close(client);
        client = null;
      }
      const wait = sentAt + WRITE_INTERVAL_MS - now();
      if (wait > 0) await delay(wait);
    }
    if (client) close(client);
  }
}
