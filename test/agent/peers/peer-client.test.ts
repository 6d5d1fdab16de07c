import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PeerClient } from '../../../agent/peers/peer-client';

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('PeerClient', () => {
  it('sees a peer whose process died since the last call as refused, not unreachable (its keep-alive socket is reset)', async () => {
    let requests = 0;
    const server = http.createServer((request, response) => {
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
    const apiPort = (server.address() as AddressInfo).port;
    const client = new PeerClient({ host: () => '127.0.0.1', apiPort, postgresPort: await closedPort() }, 1000);
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
    const server = http.createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const apiPort = (server.address() as AddressInfo).port;
    const client = new PeerClient({ host: () => '127.0.0.1', apiPort, postgresPort: await closedPort() }, 200);
    try {
      const [silent] = await client.observe(['pg-0']);
      expect(silent).toEqual({ name: 'pg-0', agent: 'unreachable', postgres: 'unknown', status: null });
    } finally {
      client.close();
      server.closeAllConnections();
      server.close();
    }
  });
});
