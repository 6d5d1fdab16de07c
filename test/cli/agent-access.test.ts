// Reaching an agent by kubectl port-forward: the local end kubectl announces is where GET /status goes,
// and kubectl's own error is kept when it cannot forward.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchStatus } from '../../cli/agent-access';
import { Kubectl } from '../../cli/kubectl';
import { fixture } from './recorded';

/** A stand-in kubectl port-forward: logs its arguments, announces FAKE_FORWARD_PORT like kubectl and stays up; or fails with FAKE_STDERR. */
function fakeKubectl(dir: string): string {
  const path = join(dir, 'kubectl');
  writeFileSync(path, [
    '#!/bin/sh',
    `printf "%s\\n" "$@" > ${join(dir, 'args')}`,
    'if [ -n "$FAKE_STDERR" ]; then printf "%s\\n" "$FAKE_STDERR" >&2; exit 1; fi',
    'echo "Forwarding from 127.0.0.1:$FAKE_FORWARD_PORT -> 8008"',
    'exec sleep 30',
    '',
  ].join('\n'));
  chmodSync(path, 0o755);
  return path;
}

describe('agent access by port-forward', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgha-cli-pf-'));
  const kubectl = new Kubectl({ context: 'prod' }, fakeKubectl(dir));
  let agent: Server;
  beforeAll(async () => {
    agent = createServer((req, res) => {
      res.writeHead(req.url === '/status' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(req.url === '/status' ? fixture('ready/status-hot-postgres-2.json') : 'no route\n');
    });
    await new Promise<void>((resolve) => agent.listen(0, '127.0.0.1', resolve));
    process.env.FAKE_FORWARD_PORT = String((agent.address() as AddressInfo).port);
  });
  afterAll(() => {
    agent.close();
    delete process.env.FAKE_FORWARD_PORT;
  });
  afterEach(() => delete process.env.FAKE_STDERR);

  it('forwards a free local port to the agent port and reads /status through it', async () => {
    const status = await fetchStatus(kubectl, 'port-forward', 'demo', 'hot-postgres-2', 8008);
    expect(status).toMatchObject({ name: 'hot-postgres-2', role: 'primary', streaming: ['hot-postgres-0', 'hot-postgres-1'] });
    expect(readFileSync(join(dir, 'args'), 'utf8').trim().split('\n')).toEqual(['--context', 'prod', 'port-forward', '-n', 'demo', 'pod/hot-postgres-2', ':8008', '--address', '127.0.0.1']);
  });

  it('fails with kubectl\'s message when it cannot forward', async () => {
    process.env.FAKE_STDERR = 'error: error upgrading connection: pods "hot-postgres-2" is forbidden: User "u" cannot create resource "pods/portforward" in API group "" in the namespace "demo"';
    await expect(fetchStatus(kubectl, 'port-forward', 'demo', 'hot-postgres-2', 8008)).rejects.toThrow(new Error(process.env.FAKE_STDERR));
  });
});
