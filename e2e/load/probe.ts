/**
 * The dual-primary probe: every 20 ms, a write straight to each pod's address (not through a Service),
 * into its own table. A standby refuses (warm: no connection; hot: read-only) and records nothing; any
 * pod that acknowledges is accepting writes at that moment. Two pods acknowledging over the same stretch
 * of time is split brain.
 */
import type { Client } from 'pg';
import type { Credentials, HostPort } from '../support/postgres-client';
import { delay } from '../support/sleep';
import { now, type ProbeAck } from './write-log';
import { close, connect } from './connection';
import { WRITE_INTERVAL_MS } from './writer';

export const PROBE_TABLE = 'bench_probe';
/** SQLSTATE of a write on a hot standby. */
const READ_ONLY = '25006';
/** SQLSTATE of a connection a warm standby (or a starting or stopping server) refuses. */
const CANNOT_CONNECT_NOW = '57P03';

export class DirectProbe {
  private stopped = false;
  private readonly done: Promise<void>[];
  readonly acks: ProbeAck[] = [];

  /**
   * @param refusedRetryMs how soon a pod that refused the connection (a warm standby: SQLSTATE 57P03) is
   *   tried again; every refused attempt costs the pod a forked child, so warm clusters get a slower retry
   */
  constructor(members: ReadonlyArray<{ pod: string; endpoint: HostPort }>, private readonly credentials: () => Credentials, private readonly trial: number, private readonly refusedRetryMs = WRITE_INTERVAL_MS) {
    this.done = members.map((member) => this.probe(member.pod, member.endpoint));
  }

  async stop(): Promise<ProbeAck[]> {
    this.stopped = true;
    await Promise.all(this.done);
    return this.acks;
  }

  private async probe(pod: string, endpoint: HostPort): Promise<void> {
    let client: Client | null = null;
    let id = 0;
    while (!this.stopped) {
      id += 1;
      const sentAt = now();
      let interval = WRITE_INTERVAL_MS;
      try {
        client ??= await connect(endpoint, this.credentials());
        await client.query(`insert into ${PROBE_TABLE} (pod, trial, id) values ($1, $2, $3)`, [pod, this.trial, id]);
        this.acks.push({ pod, at: now() });
      } catch (error) {
        // A read-only answer leaves a healthy session behind: keep it. Anything else: a new one next time.
        const code = (error as { code?: string }).code;
        if (code !== READ_ONLY && client) {
          close(client);
          client = null;
        }
        if (code === CANNOT_CONNECT_NOW) interval = this.refusedRetryMs;
      }
      const wait = sentAt + interval - now();
      if (wait > 0) await delay(wait);
    }
    if (client) close(client);
  }
}
