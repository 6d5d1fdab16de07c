import { ApiServer } from '../../support/apiserver';
import { KubeApiError } from '../../../agent/kube/client';
import { Lease, LeaseStore, LeaseWrite, microTime } from '../../../agent/kube/lease-store';
import { clientFor, LEASE_NAME, NAMESPACE, startCluster } from './cluster';

const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' };

let server: ApiServer;
let store: LeaseStore;

beforeEach(async () => {
  server = await startCluster();
  store = new LeaseStore(clientFor(server), NAMESPACE, LEASE_NAME);
});
afterEach(() => server.close());

const stored = () => server.store.get(LEASE, NAMESPACE, LEASE_NAME)!;

function claim(holder: string, at = new Date(), annotations: Record<string, string> = {}): LeaseWrite {
  return {
    holder,
    leaseDurationSeconds: 10,
    acquireTime: microTime(at),
    renewTime: microTime(at),
    transitions: 0,
    annotations,
  };
}

function renewal(base: Lease, at: Date, annotations = base.annotations): LeaseWrite {
  const { resourceVersion: _base, ...write } = base;
  return { ...write, renewTime: microTime(at), annotations };
}

async function created(): Promise<Lease> {
  const outcome = await store.create(claim('pg-0', new Date(), { 'cdk8s-postgres-ha/system-identifier': '7' }));
  if (!outcome.ok) throw new Error('setup: create failed');
  return outcome.lease;
}

describe('microTime', () => {
  it('renders RFC 3339 with exactly six fractional digits in UTC', () => {
    expect(microTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 67)))).toBe('2026-01-02T03:04:05.067000Z');
    expect(microTime(new Date())).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });
});

describe('get', () => {
  it('answers null while there is no Lease', async () => {
    expect(await store.get()).toBeNull();
  });

  it('reads every field the agent uses', async () => {
    const at = new Date();
    await store.create(claim('pg-0', at, { a: 'b' }));
    expect(await store.get()).toEqual({
      resourceVersion: expect.stringMatching(/^\d+$/),
      uid: expect.stringMatching(/.+/),
      holder: 'pg-0',
      leaseDurationSeconds: 10,
      acquireTime: microTime(at),
      renewTime: microTime(at),
      transitions: 0,
      annotations: { a: 'b' },
    });
  });

  it('throws a 403 from the API', async () => {
    const other = new LeaseStore(clientFor(server), NAMESPACE, 'someone-elses');
    await expect(other.get()).rejects.toMatchObject({ status: 403, reason: 'Forbidden' });
  });
});

describe('create', () => {
  it('creates the Lease', async () => {
    const lease = await created();
    expect(lease.holder).toBe('pg-0');
    expect(stored().spec).toMatchObject({ holderIdentity: 'pg-0', leaseTransitions: 0 });
  });

  it('reports a conflict with the current Lease when it already exists', async () => {
    const first = await created();
    const outcome = await store.create(claim('pg-1'));
    expect(outcome).toEqual({ ok: false, reason: 'conflict', current: first });
  });
});

describe('update', () => {
  it('writes when the base is current, replacing the annotations', async () => {
    const base = await created();
    const annotations = { 'cdk8s-postgres-ha/primary-lsn': '0/3000000' };
    const outcome = await store.update(base, renewal(base, new Date(Date.now() + 1000), annotations));
    expect(outcome.ok).toBe(true);
    const lease = (outcome as { lease: Lease }).lease;
    expect(Number(lease.resourceVersion)).toBeGreaterThan(Number(base.resourceVersion));
    expect(lease.annotations).toEqual(annotations);
    expect(await store.get()).toEqual(lease);
  });

  it('reports a conflict with the current Lease when the base is stale', async () => {
    const base = await created();
    const newer = await store.update(base, renewal(base, new Date(Date.now() + 1000)));
    const outcome = await store.update(base, { ...renewal(base, new Date(Date.now() + 2000)), holder: 'pg-1' });
    expect(outcome).toEqual({ ok: false, reason: 'conflict', current: (newer as { lease: Lease }).lease });
  });

  it('lets exactly one of two members racing from the same base win', async () => {
    const base = await created();
    const rival = new LeaseStore(clientFor(server), NAMESPACE, LEASE_NAME);
    const at = new Date(Date.now() + 1000);
    const outcomes = await Promise.all([
      store.update(base, { ...renewal(base, at), holder: 'pg-1' }),
      rival.update(base, { ...renewal(base, at), holder: 'pg-2' }),
    ]);
    const winners = outcomes.filter((o) => o.ok);
    const losers = outcomes.filter((o) => !o.ok);
    expect(winners).toHaveLength(1);
    expect(losers).toEqual([{ ok: false, reason: 'conflict', current: (winners[0] as { lease: Lease }).lease }]);
  });

  it('releases the Lease with a null holder', async () => {
    const base = await created();
    const outcome = await store.update(base, { ...renewal(base, new Date()), holder: null });
    expect(outcome).toMatchObject({ ok: true, lease: { holder: null } });
    expect(stored().spec).not.toHaveProperty('holderIdentity');
  });

  it('throws a 403 from the API', async () => {
    const base = await created();
    const noRules = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pg-agent' }, rules: [] };
    server.apply([noRules], NAMESPACE);
    const error = await store.update(base, renewal(base, new Date())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error).toMatchObject({ status: 403 });
  });
});

describe('a write whose answer is lost', () => {
  it('reports ok with the stored Lease when the write landed', async () => {
    const base = await created();
    server.dropResponses((r) => r.verb === 'update' && r.resource === 'leases');
    const write = renewal(base, new Date(Date.now() + 1000));
    const outcome = await store.update(base, write);
    expect(outcome).toMatchObject({ ok: true, lease: { holder: 'pg-0', renewTime: write.renewTime } });
    expect(outcome.ok && outcome.lease.resourceVersion).toBe(stored().metadata.resourceVersion);
  });

  it('reports ok for a create that landed', async () => {
    server.dropResponses((r) => r.verb === 'create');
    expect(await store.create(claim('pg-0'))).toMatchObject({ ok: true, lease: { holder: 'pg-0' } });
  });

  it('reports the failure with the Lease as read back when another write came in after ours', async () => {
    const base = await created();
    server.dropResponses((r) => r.verb === 'update');
    // Someone renews right after our write landed, before we read it back.
    const unsubscribe = server.store.watch((event) => {
      const spec = event.object.spec as { holderIdentity: string };
      if (event.type === 'MODIFIED' && spec.holderIdentity === 'pg-0') {
        unsubscribe();
        server.store.update({ ...event.object, spec: { ...spec, holderIdentity: 'pg-1' } });
      }
    });
    const outcome = await store.update(base, renewal(base, new Date(Date.now() + 1000)));
    expect(outcome).toMatchObject({ ok: false, reason: 'unreachable', current: { holder: 'pg-1' } });
  });
});

describe('an unreachable API', () => {
  it('reports unreachable without a current Lease after one timeout: a hung server is not asked to read back', async () => {
    const base = await created();
    const client = clientFor(server, { timeoutMs: 200 });
    const calls = jest.spyOn(client, 'request');
    const partitioned = new LeaseStore(client, NAMESPACE, LEASE_NAME);
    server.setClientFilter(() => 'hang');
    const outcome = await partitioned.update(base, renewal(base, new Date()));
    expect(outcome).toEqual({ ok: false, reason: 'unreachable', current: null });
    expect(calls.mock.calls.map(([method]) => method)).toEqual(['PUT']);
  });

  it('throws ApiUnreachableError from get', async () => {
    server.setAvailable(false);
    const partitioned = new LeaseStore(clientFor(server, { timeoutMs: 200 }), NAMESPACE, LEASE_NAME);
    await expect(partitioned.get()).rejects.toMatchObject({ name: 'ApiUnreachableError' });
  });
});
