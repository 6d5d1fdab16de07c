import { createServer, type Server } from 'node:net';
import { ServiceWriter } from '../../../e2e/load/writer';

describe('the writer through the primary Service', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    // A port that accepts and closes at once: every write fails fast, nothing is acknowledged by it.
    server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers a wait with a write acknowledged before the wait began (a fault whose own actions outlast the first write it let through)', async () => {
    const writer = new ServiceWriter({ host: '127.0.0.1', port }, () => ({ user: 'postgres', password: 'x' }), 1, (a) => a);
    try {
      writer.log.writes.push({ id: 7, sentAt: 100, at: 110, pod: 'pg-1' }, { id: 8, sentAt: 120, at: 130, pod: 'pg-1' });
      await expect(writer.waitForAck((w) => w.at > 105 && w.pod === 'pg-1', 1000, 'a write on pg-1')).resolves.toMatchObject({ id: 7 });
      await expect(writer.waitForAck((w) => w.pod === 'pg-2', 200, 'a write on pg-2')).rejects.toThrow('timed out after 0.2 s waiting for a write on pg-2');
    } finally {
      await writer.stop();
    }
    expect(writer.log.failures.length).toBeGreaterThan(0);
  });
});
