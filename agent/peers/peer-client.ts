// Talks to the other members' agents over their member API (mutual TLS, agent/tls/member-tls.ts; at the
// pod addresses, or the per-pod DNS names), and tells a refused connection from a silent one: the fast
// path for a crashed primary depends on it. A peer whose certificate is not its member's is unreachable.
import https from 'node:https';
import net from 'node:net';
import type { MemberStatus, PeerView } from '../core/types';
import type { MemberTls } from '../tls/member-tls';

export type Reach = 'ok' | 'refused' | 'unreachable';

export interface PeerAddressing {
  host(member: string): string;
  /** The member API's port (PGHA_MEMBER_PORT). */
  readonly memberPort: number;
  readonly postgresPort: number;
}

/** Where a member's TLS options come from: MemberTls, or a test's. */
export type MemberChannel = Pick<MemberTls, 'clientOptions'>;

export class PeerClient {
  private readonly agent = new https.Agent({ keepAlive: true, maxSockets: 4 });

  constructor(
    private readonly addressing: PeerAddressing,
    private readonly timeoutMs: number,
    private readonly channel: MemberChannel,
  ) {}

  async observe(members: readonly string[]): Promise<PeerView[]> {
    return Promise.all(members.map((m) => this.observeOne(m)));
  }

  private async observeOne(name: string): Promise<PeerView> {
    const answer = await this.call('GET', name, '/status');
    if (answer.reach === 'ok' && answer.status === 200) {
      return { name, agent: 'ok', postgres: 'unknown', status: parseStatus(answer.body) };
    }
    if (answer.reach === 'refused') {
      const postgres = await tcpProbe(this.addressing.host(name), this.addressing.postgresPort, this.timeoutMs);
      return { name, agent: 'refused', postgres: postgres === 'refused' ? 'refused' : postgres === 'ok' ? 'open' : 'unknown', status: null };
    }
    return { name, agent: answer.reach === 'ok' ? 'ok' : 'unreachable', postgres: 'unknown', status: null };
  }

  /** A hint that the lease changed (handed over, released); the peer re-runs its loop at once. */
  async wake(name: string): Promise<boolean> {
    const answer = await this.call('POST', name, '/wake');
    return answer.reach === 'ok' && answer.status === 200;
  }

  /** Asks a member to confirm this primary during an API outage; true only on an explicit confirmation. */
  async failsafe(name: string, from: string): Promise<boolean> {
    const answer = await this.call('POST', name, `/failsafe?from=${encodeURIComponent(from)}`);
    return answer.reach === 'ok' && answer.status === 200;
  }

  close(): void {
    this.agent.destroy();
  }

  /**
   * One request. A keep-alive socket the peer has just closed (its process died between two calls) fails
   * with a reset rather than a refusal; that says nothing about the peer now, so the request is sent once
   * more on a fresh connection, whose answer (often "refused") is the one that counts.
   */
  private async call(method: string, name: string, path: string): Promise<{ reach: Reach; status: number; body: string }> {
    const first = await this.attempt(method, name, path, this.agent);
    return first.staleSocket ? this.attempt(method, name, path, false) : first;
  }

  private attempt(method: string, name: string, path: string, agent: https.Agent | false): Promise<{ reach: Reach; status: number; body: string; staleSocket: boolean }> {
    // Without its own certificate yet this member cannot ask anyone: it cannot tell, so unreachable.
    const tls = this.channel.clientOptions(name);
    if (!tls) return Promise.resolve({ reach: 'unreachable', status: 0, body: '', staleSocket: false });
    return new Promise((resolve) => {
      let settled = false;
      const done = (reach: Reach, status = 0, body = '', staleSocket = false) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ reach, status, body, staleSocket });
      };
      const request = https.request(
        { host: this.addressing.host(name), port: this.addressing.memberPort, path, method, agent, timeout: this.timeoutMs, ...tls },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => done('ok', response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
          response.on('error', () => done('unreachable'));
        },
      );
      const timer = setTimeout(() => {
        request.destroy();
        done('unreachable');
      }, this.timeoutMs);
      request.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED') return done('refused');
        done('unreachable', 0, '', request.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE'));
      });
      request.end();
    });
  }
}

export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<Reach> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (reach: Reach) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reach);
    };
    const timer = setTimeout(() => finish('unreachable'), timeoutMs);
    socket.once('connect', () => finish('ok'));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(error.code === 'ECONNREFUSED' ? 'refused' : 'unreachable'));
  });
}

function parseStatus(body: string): MemberStatus | null {
  try {
    return JSON.parse(body) as MemberStatus;
  } catch {
    return null;
  }
}
