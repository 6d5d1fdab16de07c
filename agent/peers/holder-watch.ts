// Keeps one long-lived request open to the lease holder's member API (GET /watch, mutual TLS). When the holder's
// processes die, the kernel closes that connection at once, and this member re-runs its loop immediately
// instead of at its next retry period: the crash is seen within milliseconds. It is only a wake-up hint;
// decisions still come from a full observation. The holder also writes `renewed <renewTime>` on it after
// each renewal that landed, so this member times the holder's silence from that moment (see LeaseClock).
import type http from 'node:http';
import https from 'node:https';
import type { MemberChannel } from './peer-client';

export class HolderWatch {
  private holder: string | null = null;
  private request: http.ClientRequest | null = null;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly host: (member: string) => string,
    private readonly port: number,
    private readonly retryMs: number,
    private readonly onLost: (holder: string) => void,
    private readonly channel: MemberChannel,
    private readonly onRenewed: (holder: string, renewTime: string) => void = () => undefined,
  ) {}

  /** Watch `holder` (null: watch nobody). Cheap to call every tick. */
  follow(holder: string | null): void {
    if (holder === this.holder) return;
    this.stop();
    this.holder = holder;
    if (holder !== null) this.connect(holder);
  }

  stop(): void {
    this.holder = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const request = this.request;
    this.request = null;
    request?.destroy();
  }

  private connect(holder: string): void {
    let established = false;
    const tls = this.channel.clientOptions(holder);
    if (!tls) {
      // No certificate of our own yet: look again after the retry period.
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (this.holder === holder) this.connect(holder);
      }, this.retryMs);
      return;
    }
    const request = https.get({ host: this.host(holder), port: this.port, path: '/watch', timeout: 0, agent: false, ...tls }, (response) => {
      established = response.statusCode === 200;
      let pending = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const renewed = /^renewed (\S+)$/.exec(line);
          if (renewed) this.onRenewed(holder, renewed[1]);
        }
      });
      response.on('close', () => lost());
      response.on('error', () => lost());
    });
    this.request = request;
    const lost = () => {
      if (this.request !== request) return;
      this.request = null;
      if (established) this.onLost(holder);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (this.holder === holder) this.connect(holder);
      }, this.retryMs);
    };
    request.on('error', () => lost());
  }
}
