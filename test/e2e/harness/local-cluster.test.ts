/**
 * The harness on its own workload (fixtures/web.ts): network namespaces, mounts, users, environment,
 * probes, readiness-driven Service routing, restarts and back-off, graceful deletion and re-creation,
 * and a teardown that leaves nothing behind. Needs root and iproute2; skipped without them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { connect } from 'node:net';
import { execFileSync } from 'node:child_process';
import { LocalCluster } from '../../../e2e/harness/cluster';
import type { Pod } from '../../../e2e/harness/kube';
import { missingPrerequisites } from '../../../e2e/harness/prerequisites';
import { delay } from '../../../e2e/support/sleep';
import { NAMESPACE, webManifests } from './fixtures/web';

const missing = missingPrerequisites(false);
const describeWithRoot = missing.length === 0 ? describe : describe.skip;
if (missing.length > 0) console.warn(`local-cluster.test.ts skipped; missing: ${missing.join('; ')}`);

jest.setTimeout(60_000);

/** A GET on a new connection each time: a kept-alive one would stay with the pod it first reached. */
function get(host: string, path: string, port = 8080): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = httpGet({ host, port, path, agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${host}:${port}${path} timed out`)));
    req.on('error', reject);
  });
}

describeWithRoot('LocalCluster on the fixture workload', () => {
  let cluster: LocalCluster;
  const address = (pod: string) => cluster.podAddress(NAMESPACE, pod);
  const pod = (name: string) => cluster.pod(NAMESPACE, name) as Pod;
  const ready = (name: string) => pod(name)?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  const restarts = (name: string, container: string) => pod(name)?.status?.containerStatuses?.find((c) => c.name === container)?.restartCount ?? -1;
  async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<number> {
    const start = Date.now();
    while (!(await Promise.resolve().then(condition).catch(() => false))) {
      if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      await delay(50);
    }
    return Date.now() - start;
  }

  beforeAll(async () => {
    cluster = await LocalCluster.start(webManifests(), { label: 'harness-selftest' });
    await until('both pods ready', () => ready('web-0') && ready('web-1'));
  });

  afterAll(() => cluster?.stop());

  it('runs each container as the mapped user, as PID 1 with the pod hostname, with the rendered environment', async () => {
    const info = await get(address('web-0'), '/info');
    expect(info).toMatchObject({ hostname: 'web-0', pid: 1, uid: 101, gid: 104, groups: [104], cwd: '/' });
    expect(info.env).toMatchObject({
      POD_NAME: 'web-0',
      POD_NAMESPACE: NAMESPACE,
      POD_UID: pod('web-0').metadata?.uid,
      POD_IP: address('web-0'),
      PASSWORD: 's3cret',
      COLOUR: 'blue',
      GREETING: 'pod web-0 says $(POD_NAME)',
      HOSTNAME: 'web-0',
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
      KUBERNETES_SERVICE_PORT: '443',
    });
    // enableServiceLinks: false, no shell leftovers, no optional variable that did not resolve.
    expect(Object.keys(info.env).filter((k) => /^WEB_|^PWD$|^OLDPWD$|^MISSING$/.test(k))).toEqual([]);
  });

  it('mounts the volumes at their rendered paths: ConfigMap items read-only with their mode, claim and emptyDir writable, root read-only', async () => {
    const info = await get(address('web-0'), '/info');
    expect(info.writable).toEqual({ data: true, tmp: true, config: 'EROFS', root: 'EROFS' });
    expect(info.files.greeting).toBe('hello');
    expect(info.modes.greeting).toBe('640');
  });

  it('gives the pod its service-account token, CA and namespace, which work against the API server', async () => {
    const info = await get(address('web-0'), '/info');
    expect(info.files.token).toBe(cluster.api.issueToken(NAMESPACE, 'web'));
    expect(info.files.ca).toBe(cluster.api.caCertPem);
    expect(info.files.namespace).toBe(NAMESPACE);
    const answer = await get(address('web-0'), `/api?path=/api/v1/namespaces/${NAMESPACE}/pods/web-0`);
    expect(answer).toMatchObject({ status: 200, body: { metadata: { name: 'web-0' } } });
  });

  it('resolves peers, Services and the API from the hosts file, and fails unknown names at once', async () => {
    const resolve = (name: string) => get(address('web-0'), `/resolve?name=${name}`);
    expect(await resolve('web-1.web-pods.fixture.svc.cluster.local')).toEqual({ address: address('web-1') });
    expect(await resolve('web-1.web-pods')).toEqual({ address: address('web-1') });
    expect(await resolve('web')).toEqual({ address: cluster.serviceAddress(NAMESPACE, 'web') });
    expect(await resolve('kubernetes.default.svc')).toEqual({ address: '10.96.0.1' });
    expect((await resolve('nowhere.example')).error).toBeDefined();
  });

  it('routes Service connections only to ready pods, following readiness at once', async () => {
    const service = cluster.serviceAddress(NAMESPACE, 'web');
    await get(address('web-0'), '/set?ready=0');
    await until('web-0 unready', () => !ready('web-0'), 5000);
    const served = new Set<string>();
    for (let i = 0; i < 20; i++) served.add((await get(service, '/', 80)).pod);
    expect([...served]).toEqual(['web-1']);
    await get(address('web-0'), '/set?ready=1');
    await until('web-0 ready', () => ready('web-0'), 5000);
    await until('web-0 served through the Service', async () => (await get(service, '/', 80)).pod === 'web-0', 5000);
  });

  it('makes an isolated pod silent (timeouts, not refusals) until healed', async () => {
    await cluster.network.isolate('web-1');
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({ host: address('web-1'), port: 8080 });
      const timer = setTimeout(() => {
        socket.destroy();
        resolve('timeout');
      }, 1500);
      socket.once('connect', () => resolve('connected'));
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve(error.code ?? 'error');
      });
    });
    await cluster.network.heal('web-1');
    expect(outcome).toBe('timeout');
    expect(await get(address('web-1'), '/')).toEqual({ pod: 'web-1' });
  });

  it('kills every process of a pod on killPod; the kubelet restarts both containers in place', async () => {
    const before = { uid: pod('web-1').metadata?.uid, server: restarts('web-1', 'server'), sidecar: restarts('web-1', 'sidecar') };
    cluster.kubelet.killPod('web-1');
    await until('both containers restarted', () => restarts('web-1', 'server') > before.server && restarts('web-1', 'sidecar') > before.sidecar);
    expect(pod('web-1').metadata?.uid).toBe(before.uid);
  });

  it('restarts a crashed container within a relist period, then only after a 10 s back-off', async () => {
    await get(address('web-0'), '/exit?code=3').catch(() => undefined);
    const first = await until('first restart', () => restarts('web-0', 'server') === 1, 5000);
    expect(first).toBeLessThan(2000);
    expect(pod('web-0').status?.containerStatuses?.find((c) => c.name === 'server')?.lastState?.terminated?.exitCode).toBe(3);
    await until('web-0 serving again', async () => (await get(address('web-0'), '/')).pod === 'web-0', 5000);
    await get(address('web-0'), '/exit?code=3').catch(() => undefined);
    await until('CrashLoopBackOff', () => pod('web-0').status?.containerStatuses?.find((c) => c.name === 'server')?.state?.waiting?.reason === 'CrashLoopBackOff', 5000);
    const second = await until('second restart', () => restarts('web-0', 'server') === 2, 15_000);
    expect(second).toBeGreaterThan(8000);
  });

  it('deletes a pod gracefully and the StatefulSet recreates it with its claim, address and a fresh emptyDir', async () => {
    await until('web-1 ready', () => ready('web-1'));
    await get(address('web-1'), '/write?path=/data/marker&value=kept');
    await get(address('web-1'), '/write?path=/tmp/scratch&value=lost');
    const uid = pod('web-1').metadata?.uid;
    cluster.deletePod(NAMESPACE, 'web-1');
    const gone = await until('web-1 replaced', () => pod('web-1') !== undefined && pod('web-1').metadata?.uid !== uid, 10_000);
    // The sidecar (bash as PID 1, no TERM trap) ignores SIGTERM: the pod lasts its 2 s grace period.
    expect(gone).toBeGreaterThanOrEqual(1900);
    expect(cluster.containerLog('web-1', 'server')).toContain('web-server: SIGTERM, exiting');
    await until('the new web-1 ready', () => ready('web-1'));
    const info = await get(address('web-1'), '/info');
    expect(info.files.marker).toBe('kept');
    expect(info.files.scratch).toBe('<ENOENT>');
    expect(info.env.POD_UID).toBe(pod('web-1').metadata?.uid);
  });

  it('restarts a container whose liveness probe fails, in the same pod', async () => {
    const uid = pod('web-1').metadata?.uid;
    await get(address('web-1'), '/set?live=0');
    await until('web-1/server restarted', () => restarts('web-1', 'server') === 1);
    await until('web-1 ready again', () => ready('web-1'));
    expect(pod('web-1').metadata?.uid).toBe(uid);
  });

  it('saw no request forbidden by the fixture Role', () => {
    expect(cluster.api.forbidden).toEqual([]);
  });

  it('leaves no namespace, link, hosts file, mount point or process behind when stopped', async () => {
    await cluster.stop();
    expect(execFileSync('/usr/sbin/ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain('pgha-');
    expect(execFileSync('/usr/sbin/ip', ['-o', 'link', 'show'], { encoding: 'utf8' })).not.toMatch(/pgha0|pgv\d/);
    expect(existsSync('/etc/netns') ? readdirSync('/etc/netns').filter((n) => n.startsWith('pgha-')) : []).toEqual([]);
    expect(existsSync(cluster.dirs.mountPointRecord)).toBe(false);
    expect(existsSync('/etc/fixture') || existsSync('/opt/fixture') || existsSync('/data')).toBe(false);
    const survivors = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('/opt/fixture/server.js');
      } catch {
        return false;
      }
    });
    expect(survivors).toEqual([]);
  });
});
