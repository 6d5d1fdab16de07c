import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { PeerClient } from '../../../agent/peers/peer-client';
import type { MemberTls } from '../../../agent/tls/member-tls';
import { memberTls, memorySecrets } from '../tls/member-certs';

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('PeerClient', () => {
  let self: MemberTls;
  let peer: MemberTls;
  /** pg-0's member API: mutual TLS with pg-0's certificate, as the agent serves it. */
  const serve = (handler: http.RequestListener, as = () => peer) => {
    const c = as().current!;
    return https.createServer({ cert: c.cert, key: c.key, ca: c.ca, requestCert: true, rejectUnauthorized: true }, handler);
  };

  beforeAll(async () => {
    const secrets = memorySecrets();
    self = await memberTls('pg-1', secrets);
    peer = await memberTls('pg-0', secrets);
  });

  it('sees a peer whose process died since the last call as refused, not unreachable (its keep-alive socket is reset)', async () => {
    let requests = 0;
    const server = serve((request, response) => {
      requests++;
      if (requests === 1) {
        response.end(JSON.stringify({ role: 'primary' }));
        return;
      }
      // The process dies with this request in flight: nothing listens any more, the open socket resets.
      server.close();
      request.socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const memberPort = (server.address() as AddressInfo).port;
    const client = new PeerClient({ host: () => '127.0.0.1', memberPort, postgresPort: await closedPort() }, 1000, self);
    try {
      const [alive] = await client.observe(['pg-0']);
      expect(alive).toMatchObject({ agent: 'ok', status: { role: 'primary' } });
      const [dead] = await client.observe(['pg-0']);
      expect(requests).toBe(2);
      expect(dead).toEqual({ name: 'pg-0', agent: 'refused', postgres: 'refused', status: null });
    } finally {
      client.close();
      server.close();
    }
  });

  it('sees a peer that does not answer in time as unreachable', async () => {
    const server = serve(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const memberPort = (server.address() as AddressInfo).port;
    const client = new PeerClient({ host: () => '127.0.0.1', memberPort, postgresPort: await closedPort() }, 200, self);
    try {
      const [silent] = await client.observe(['pg-0']);
      expect(silent).toEqual({ name: 'pg-0', agent: 'unreachable', postgres: 'unknown', status: null });
    } finally {
      client.close();
      server.closeAllConnections();
      server.close();
    }
  });

  it("sees a peer whose certificate names another member as unreachable, without reading its answer", async () => {
    let requests = 0;
    // pg-0's address answers with pg-1's certificate (an address taken over, a stranger replaying a certificate).
    const server = serve((_request, response) => {
      requests++;
      response.end(JSON.stringify({ role: 'primary' }));
    }, () => self);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const memberPort = (server.address() as AddressInfo).port;
    const client = new PeerClient({ host: () => '127.0.0.1', memberPort, postgresPort: await closedPort() }, 1000, self);
    try {
      expect(await client.observe(['pg-0'])).toEqual([{ name: 'pg-0', agent: 'unreachable', postgres: 'unknown', status: null }]);
      expect(requests).toBe(0);
    } finally {
      client.close();
      server.close();
    }
  });

  it('asks nobody while it has no certificate of its own', async () => {
    const client = new PeerClient({ host: () => '127.0.0.1', memberPort: await closedPort(), postgresPort: await closedPort() }, 200, { clientOptions: () => null });
    try {
      expect(await client.failsafe('pg-0', 'pg-1')).toBe(false);
      expect(await client.observe(['pg-0'])).toEqual([{ name: 'pg-0', agent: 'unreachable', postgres: 'unknown', status: null }]);
    } finally {
      client.close();
    }
  });
});
