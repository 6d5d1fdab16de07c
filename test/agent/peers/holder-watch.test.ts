// The standby's side of GET /watch against the holder's real member API (mutual TLS): renewals arrive as they land,
// and the stream's end (the holder's process gone) wakes the standby.
import type https from 'node:https';
import type { AddressInfo } from 'node:net';
import { startMemberServer, type AgentView } from '../../../agent/http/server';
import { HolderWatch } from '../../../agent/peers/holder-watch';
import type { MemberTls } from '../../../agent/tls/member-tls';
import { status } from '../core/observation-builder';
import { memberTls, memorySecrets } from '../tls/member-certs';

async function until(what: string, condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('HolderWatch', () => {
  let server: https.Server;
  let announce: (renewTime: string) => void = () => undefined;
  let holder: MemberTls;
  let standby: MemberTls;

  beforeAll(async () => {
    const secrets = memorySecrets();
    holder = await memberTls('pg-0', secrets);
    standby = await memberTls('pg-1', secrets);
  });

  beforeEach(async () => {
    const view: AgentView = {
      observation: () => null,
      statusDocument: async () => status('pg-0'),
      health: () => ({ now: 0, lastTickAt: 0, startedAt: 0, actionStartedAt: null, actionLimitMs: 0, stallLimitMs: 30_000 }),
      metrics: async () => '',
      wake: () => undefined,
      failsafe: () => ({ confirm: false, reason: 'no' }),
      onRenewal: (listener) => (announce = listener),
    };
    server = await startMemberServer(view, 0, holder);
  });

  afterEach(() => {
    server.closeAllConnections();
    server.close();
  });

  it("hears each of the holder's renewals as it lands, and its end when the holder goes away", async () => {
    const renewals: Array<[string, string]> = [];
    const lost: string[] = [];
    const port = (server.address() as AddressInfo).port;
    const watch = new HolderWatch(() => '127.0.0.1', port, 50, (who) => lost.push(who), standby, (who, renewTime) => renewals.push([who, renewTime]));
    try {
      const opened = new Promise((resolve) => server.once('request', resolve));
      watch.follow('pg-0');
      await opened;
      announce('2026-11-26T00:00:01.000000Z');
      announce('2026-11-26T00:00:02.000000Z');
      await until('two renewals', () => renewals.length === 2);
      expect(renewals).toEqual([
        ['pg-0', '2026-11-26T00:00:01.000000Z'],
        ['pg-0', '2026-11-26T00:00:02.000000Z'],
      ]);
      server.closeAllConnections();
      await until('the loss to be reported', () => lost.length > 0);
      expect(lost[0]).toBe('pg-0');
    } finally {
      watch.stop();
    }
  });

  it('ignores renewals of a holder it no longer follows', async () => {
    const renewals: string[] = [];
    const port = (server.address() as AddressInfo).port;
    const watch = new HolderWatch(() => '127.0.0.1', port, 50, () => undefined, standby, (who) => renewals.push(who));
    watch.follow('pg-0');
    await new Promise((resolve) => setTimeout(resolve, 100));
    watch.follow(null);
    announce('2026-11-26T00:00:03.000000Z');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(renewals).toEqual([]);
  });

  it('reads nothing from a server whose certificate names another member than the holder it follows', async () => {
    const renewals: string[] = [];
    const lost: string[] = [];
    const port = (server.address() as AddressInfo).port;
    // The server holds pg-0's certificate; this watch expects pg-2 at that address.
    const watch = new HolderWatch(() => '127.0.0.1', port, 50, (who) => lost.push(who), standby, (who) => renewals.push(who));
    watch.follow('pg-2');
    await new Promise((resolve) => setTimeout(resolve, 200));
    announce('2026-11-26T00:00:04.000000Z');
    await new Promise((resolve) => setTimeout(resolve, 100));
    watch.stop();
    expect(renewals).toEqual([]);
    expect(lost).toEqual([]);
  });
});
