/**
 * A throwaway CA and a serving certificate signed by it, made with the `openssl` CLI (Node cannot sign
 * X.509 certificates itself). The server certificate names what a pod would dial: the bind address,
 * 127.0.0.1, and the `kubernetes.default.svc` family of names.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ServingCertificate {
  /** The CA certificate a client trusts (what a pod finds at .../serviceaccount/ca.crt). */
  readonly caCertPem: string;
  readonly caCertFile: string;
  readonly certPem: string;
  readonly keyPem: string;
}

const CLUSTER_NAMES = [
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
  'localhost',
];

/** EC keys: generated in milliseconds, where RSA would slow down every test run. */
const NEW_EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const VALID_DAYS = '3650';

export async function generateServingCertificate(dir: string, host: string): Promise<ServingCertificate> {
  await mkdir(dir, { recursive: true });
  const file = (name: string) => join(dir, name);

  await run('openssl', [
    'req', '-x509', ...NEW_EC_KEY, '-days', VALID_DAYS,
    '-subj', '/CN=cdk8s-postgres-ha-e2e-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', file('ca.key'), '-out', file('ca.crt'),
  ]);
  await run('openssl', [
    'req', '-new', ...NEW_EC_KEY, '-subj', '/CN=kube-apiserver',
    '-keyout', file('apiserver.key'), '-out', file('apiserver.csr'),
  ]);
  await writeFile(file('apiserver.ext'), serverExtensions(host));
  await run('openssl', [
    'x509', '-req', '-days', VALID_DAYS, '-in', file('apiserver.csr'),
    '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-set_serial', `0x${Date.now().toString(16)}`,
    '-extfile', file('apiserver.ext'), '-out', file('apiserver.crt'),
  ]);

  const [caCertPem, certPem, keyPem] = await Promise.all(
    ['ca.crt', 'apiserver.crt', 'apiserver.key'].map((name) => readFile(file(name), 'utf8')),
  );
  return { caCertPem, caCertFile: file('ca.crt'), certPem, keyPem };
}

function serverExtensions(host: string): string {
  const addresses = new Set(['127.0.0.1']);
  const names = new Set(CLUSTER_NAMES);
  if (isIP(host) && host !== '0.0.0.0' && host !== '::') addresses.add(host);
  else if (!isIP(host)) names.add(host);
  const altNames = [...[...addresses].map((a) => `IP:${a}`), ...[...names].map((n) => `DNS:${n}`)];
  return [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${altNames.join(',')}`,
    '',
  ].join('\n');
}
