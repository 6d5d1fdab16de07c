import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkServerIdentity } from 'node:tls';
import { ApiServer } from '../support/apiserver';
import { call, paths } from './http-client';

let server: ApiServer;
const certDir = mkdtempSync(join(tmpdir(), 'apiserver-tls-test-'));

beforeAll(async () => {
  server = await ApiServer.start({ tls: true, certDir });
});
afterAll(async () => {
  await server.close();
  rmSync(certDir, { recursive: true, force: true });
});

it('serves HTTPS with a certificate the published CA verifies', async () => {
  expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  expect(server.caCertPem).toBe(readFileSync(join(certDir, 'ca.crt'), 'utf8'));
  expect((await call(server, server.adminToken, 'GET', paths.pods('db'))).status).toBe(200);
});

it('is refused by a client that does not trust the CA', async () => {
  await expect(call(server, server.adminToken, 'GET', paths.pods('db'), { trustCa: false })).rejects.toThrow(
    /unable to verify|self-signed certificate/,
  );
});

it('names what a pod dials: 127.0.0.1 and kubernetes.default.svc', () => {
  const certificate = new X509Certificate(readFileSync(join(certDir, 'apiserver.crt')));
  const peer = { subject: { CN: 'kube-apiserver' }, subjectaltname: certificate.subjectAltName } as never;
  expect(checkServerIdentity('127.0.0.1', peer)).toBeUndefined();
  expect(checkServerIdentity('kubernetes.default.svc', peer)).toBeUndefined();
  expect(checkServerIdentity('example.com', peer)?.message).toMatch(/not in the cert's altnames/);
  expect(certificate.verify(new X509Certificate(server.caCertPem!).publicKey)).toBe(true);
});
