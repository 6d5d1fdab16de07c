/**
 * etcd, kube-apiserver, kube-controller-manager and kube-scheduler as host processes, the way
 * hack/local-up-cluster.sh runs them: one of each, on this machine.
 */
import { get } from 'node:https';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Daemon, start, waitReady } from './daemons';
import { NETWORK, STATE } from './plan';
import type { Pki } from './pki';

export interface ControlPlaneInputs {
  readonly kubeBin: string;
  readonly etcdBin: string;
  readonly pki: Pki;
  readonly hostAddress: string;
  readonly kubeconfigs: { readonly controllerManager: string; readonly scheduler: string };
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: 2000 }, (res) => { res.resume(); resolve(res.statusCode === 200); });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
    req.end();
  });
}

/** GET over TLS with a client certificate; true on 200. */
export function httpsOk(url: string, pki: Pki, identity?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(url, {
      ca: readFileSync(pki.caCert),
      ...(identity ? { cert: readFileSync(pki.cert(identity)), key: readFileSync(pki.key(identity)) } : { rejectUnauthorized: false }),
      timeout: 2000,
    }, (res) => { res.resume(); resolve(res.statusCode === 200); });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
  });
}

export async function startControlPlane(c: ControlPlaneInputs, say: (line: string) => void): Promise<void> {
  const { pki } = c;
  const etcd: Daemon = {
    name: 'etcd',
    argv: [
      c.etcdBin, '--name', 'pgha-e2e', '--data-dir', STATE.etcd,
      '--listen-client-urls', `http://127.0.0.1:${NETWORK.etcdClientPort}`, '--advertise-client-urls', `http://127.0.0.1:${NETWORK.etcdClientPort}`,
      '--listen-peer-urls', `http://127.0.0.1:${NETWORK.etcdPeerPort}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${NETWORK.etcdPeerPort}`,
      '--initial-cluster', `pgha-e2e=http://127.0.0.1:${NETWORK.etcdPeerPort}`,
      // A test cluster on a shared disk: an fsync per write would put the disk's latency into every
      // Lease renewal the failover timings measure. The API server's behaviour does not change.
      '--unsafe-no-fsync',
      '--log-level', 'warn',
    ],
  };
  say('starting etcd');
  start(etcd);
  await waitReady(etcd, 'healthy', () => httpOk(`http://127.0.0.1:${NETWORK.etcdClientPort}/health`), 30_000);

  const apiserver: Daemon = {
    name: 'kube-apiserver',
    argv: [
      join(c.kubeBin, 'kube-apiserver'),
      `--etcd-servers=http://127.0.0.1:${NETWORK.etcdClientPort}`,
      `--service-cluster-ip-range=${NETWORK.serviceCidr}`,
      `--secure-port=${NETWORK.apiPort}`,
      '--bind-address=0.0.0.0',
      `--advertise-address=${c.hostAddress}`,
      `--client-ca-file=${pki.caCert}`,
      `--tls-cert-file=${pki.cert('apiserver')}`,
      `--tls-private-key-file=${pki.key('apiserver')}`,
      `--kubelet-client-certificate=${pki.cert('apiserver-kubelet-client')}`,
      `--kubelet-client-key=${pki.key('apiserver-kubelet-client')}`,
      `--kubelet-certificate-authority=${pki.caCert}`,
      // Nodes are named node-N, which no resolver here knows: reach kubelets by their address.
      '--kubelet-preferred-address-types=InternalIP',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--authorization-mode=Node,RBAC',
      // The defaults (NamespaceLifecycle, ServiceAccount, PodSecurity, ...) plus the node restriction.
      '--enable-admission-plugins=NodeRestriction',
      '--allow-privileged=false',
      '--v=1',
    ],
  };
  say('starting kube-apiserver');
  start(apiserver);
  await waitReady(apiserver, 'ready (/readyz)', () => httpsOk(`https://127.0.0.1:${NETWORK.apiPort}/readyz`, pki, 'admin'), 90_000);

  const controllerManager: Daemon = {
    name: 'kube-controller-manager',
    restart: true,
    argv: [
      join(c.kubeBin, 'kube-controller-manager'),
      `--kubeconfig=${c.kubeconfigs.controllerManager}`,
      `--authentication-kubeconfig=${c.kubeconfigs.controllerManager}`,
      `--authorization-kubeconfig=${c.kubeconfigs.controllerManager}`,
      '--bind-address=127.0.0.1',
      `--client-ca-file=${pki.caCert}`,
      `--root-ca-file=${pki.caCert}`,
      `--cluster-signing-cert-file=${pki.caCert}`,
      `--cluster-signing-key-file=${pki.caKey}`,
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      '--use-service-account-credentials=true',
      `--service-cluster-ip-range=${NETWORK.serviceCidr}`,
      '--controllers=*',
      '--v=1',
    ],
  };
  const scheduler: Daemon = {
    name: 'kube-scheduler',
    restart: true,
    argv: [
      join(c.kubeBin, 'kube-scheduler'),
      `--kubeconfig=${c.kubeconfigs.scheduler}`,
      `--authentication-kubeconfig=${c.kubeconfigs.scheduler}`,
      `--authorization-kubeconfig=${c.kubeconfigs.scheduler}`,
      '--bind-address=127.0.0.1',
      '--v=1',
    ],
  };
  say('starting kube-controller-manager and kube-scheduler');
  start(controllerManager);
  start(scheduler);
  await waitReady(controllerManager, 'healthy', () => httpsOk('https://127.0.0.1:10257/healthz', pki), 60_000);
  await waitReady(scheduler, 'healthy', () => httpsOk('https://127.0.0.1:10259/healthz', pki), 60_000);
}
