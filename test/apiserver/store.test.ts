import { ApiServer, KubeObject, ObjectStore, WatchEvent } from '../support/apiserver';

const POD = { apiVersion: 'v1', kind: 'Pod' };
const MERGE = 'application/merge-patch+json';
const pod = (name: string): KubeObject => ({ ...POD, metadata: { name, namespace: 'db' }, spec: {} });

describe('watch', () => {
  it('delivers ADDED, MODIFIED and DELETED synchronously after each write', () => {
    const store = new ObjectStore();
    const events: WatchEvent[] = [];
    store.watch((e) => events.push(e));
    const created = store.create(pod('pg-0'));
    expect(events).toEqual([{ type: 'ADDED', object: created }]);
    const patched = store.patch(POD, 'db', 'pg-0', MERGE, { metadata: { labels: { a: 'b' } } });
    expect(events[1]).toEqual({ type: 'MODIFIED', object: patched });
    store.delete(POD, 'db', 'pg-0', { gracePeriodSeconds: 0 });
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
  });

  it('delivers in write order when a listener writes in reaction', () => {
    const store = new ObjectStore();
    const seen: string[] = [];
    // The first listener answers a pod's creation with a label, like a controller would.
    store.watch((e) => {
      if (e.type === 'ADDED') store.patch(POD, 'db', e.object.metadata.name!, MERGE, { metadata: { labels: { seen: 'y' } } });
    });
    store.watch((e) => seen.push(`${e.type} ${e.object.metadata.resourceVersion}`));
    store.create(pod('pg-0'));
    expect(seen).toEqual(['ADDED 1', 'MODIFIED 2']);
  });

  it('stops after unsubscribing, and survives a failing listener', () => {
    const store = new ObjectStore();
    const events: WatchEvent[] = [];
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    store.watch(() => {
      throw new Error('listener bug');
    });
    const stop = store.watch((e) => events.push(e));
    store.create(pod('pg-0'));
    stop();
    store.create(pod('pg-1'));
    expect(events).toHaveLength(1);
    expect(error).toHaveBeenCalledTimes(2);
    error.mockRestore();
  });

  it('hands out copies: changing one changes nothing stored', () => {
    const store = new ObjectStore();
    store.create(pod('pg-0')).metadata.labels = { changed: 'yes' };
    expect(store.get(POD, 'db', 'pg-0')!.metadata.labels).toBeUndefined();
  });
});

describe('apply', () => {
  let server: ApiServer;
  beforeEach(async () => {
    server = await ApiServer.start();
  });
  afterEach(() => server.close());

  it('creates what is missing in the default namespace, and replaces what exists keeping uid and status', () => {
    const manifest: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'pg' },
      spec: { selector: { role: 'primary' } },
    };
    const [created] = server.apply([manifest], 'db');
    expect(created.metadata.namespace).toBe('db');
    server.store.update({ ...created, status: { loadBalancer: {} } }, { subresource: 'status' });

    const [replaced] = server.apply([{ ...manifest, spec: { selector: { role: 'replica' } } }], 'db');
    expect(replaced.metadata.uid).toBe(created.metadata.uid);
    expect(replaced.spec).toEqual({ selector: { role: 'replica' } });
    expect(replaced.status).toEqual({ loadBalancer: {} });
  });

  it('stores kinds it does not serve, cluster-scoped ones outside namespaces', () => {
    server.apply([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'db' } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'pg' } },
    ]);
    expect(server.store.get({ apiVersion: 'v1', kind: 'Namespace' }, '', 'db')).toBeDefined();
    const networkPolicy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' };
    expect(server.store.get(networkPolicy, 'default', 'pg')).toBeDefined();
  });
});
