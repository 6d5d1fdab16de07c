// The reads `status` makes, checked against kubectl output recorded on the real cluster.
import { readCluster } from '../../cli/cluster-reads';
import { RecordedKubectl, recordedAt } from './recorded';

const read = (kubectl: RecordedKubectl, name = 'hot-postgres') => readCluster(kubectl, name, 'demo', { agentAccess: 'proxy', now: () => recordedAt('ready') });

describe('cluster reads', () => {
  it('reads the StatefulSet, the pods, the Lease, the agents\' Events and each agent through the pod proxy', async () => {
    const kubectl = new RecordedKubectl('ready');
    const facts = await read(kubectl);
    expect(kubectl.calls).toEqual([
      ['get', 'statefulset', 'hot-postgres', '-n', 'demo', '-o', 'json'],
      ['get', 'pods', '-n', 'demo', '-l', 'app.kubernetes.io/instance=hot-postgres', '-o', 'json'],
      ['get', 'lease', 'hot-postgres-leader', '-n', 'demo', '-o', 'json'],
      ['get', 'events', '-n', 'demo', '--field-selector', 'source=cdk8s-postgres-ha-agent', '-o', 'json'],
      ['get', '--raw', '/api/v1/namespaces/demo/pods/hot-postgres-0:8008/proxy/status'],
      ['get', '--raw', '/api/v1/namespaces/demo/pods/hot-postgres-1:8008/proxy/status'],
      ['get', '--raw', '/api/v1/namespaces/demo/pods/hot-postgres-2:8008/proxy/status'],
    ]);
    expect(facts.namespace).toBe('demo');
    expect(facts.pods.map((p) => p.metadata.name)).toEqual(['hot-postgres-0', 'hot-postgres-1', 'hot-postgres-2']);
    expect(facts.lease?.spec.holderIdentity).toBe('hot-postgres-2');
    expect(facts.agents['hot-postgres-2'].status?.streaming).toEqual(['hot-postgres-0', 'hot-postgres-1']);
  });

  it('keeps an agent that does not answer as kubectl\'s error, and reads the others', async () => {
    const facts = await readCluster(new RecordedKubectl('failing'), 'hot-postgres', 'demo', { agentAccess: 'proxy', now: () => recordedAt('failing') });
    expect(facts.agents['hot-postgres-0']).toEqual({
      error: 'Error from server (ServiceUnavailable): error trying to reach service: dial tcp 10.210.1.3:8008: connect: connection refused',
    });
    expect(facts.agents['hot-postgres-1'].status?.role).toBe('primary');
  });

  it('keeps a forbidden pod proxy as each agent\'s error', async () => {
    const kubectl = new RecordedKubectl('ready');
    kubectl.forbidden.add('--raw');
    const facts = await read(kubectl);
    expect(facts.agents['hot-postgres-0'].error).toBe(
      'Error from server (Forbidden): pods "hot-postgres-0:8008" is forbidden: User "system:serviceaccount:demo:hot-postgres" cannot get resource "pods/proxy" in API group "" in the namespace "demo"',
    );
  });

  it('fails on an unknown cluster, naming the clusters that exist there', async () => {
    await expect(read(new RecordedKubectl('ready'), 'nope')).rejects.toThrow(
      new Error('no cluster nope in namespace demo: there is no StatefulSet nope; clusters there: hot-postgres'),
    );
  });

  it('fails when reading the StatefulSet is forbidden, saying what status needs', async () => {
    const kubectl = new RecordedKubectl('ready');
    kubectl.forbidden.add('statefulset');
    await expect(read(kubectl)).rejects.toThrow(
      new Error(
        'Error from server (Forbidden): statefulsets.apps "hot-postgres" is forbidden: User "system:serviceaccount:demo:hot-postgres" cannot get resource "statefulsets" in API group "apps" in the namespace "demo"\n' +
          'status needs, in the namespace: get statefulsets, list pods, get leases, list events, and get pods/proxy (or create pods/portforward with --agent-via port-forward)',
      ),
    );
  });

  it('fails on a StatefulSet that is not a cdk8s-postgres-ha cluster', async () => {
    const kubectl = new RecordedKubectl('ready');
    const original = kubectl.run.bind(kubectl);
    kubectl.run = async (args) => (args[1] === 'statefulset' ? JSON.stringify({ metadata: { name: 'hot-postgres', namespace: 'demo', labels: {} }, spec: { template: { spec: { containers: [] } } } }) : original(args));
    await expect(read(kubectl)).rejects.toThrow(
      new Error('StatefulSet hot-postgres in namespace demo is not a cdk8s-postgres-ha cluster: it lacks the label app.kubernetes.io/managed-by=cdk8s-postgres-ha'),
    );
  });

  it('reports Events it may not read instead of failing', async () => {
    const kubectl = new RecordedKubectl('ready');
    kubectl.forbidden.add('events');
    const facts = await read(kubectl);
    expect(facts.events.error).toMatch(/^Error from server \(Forbidden\)/);
  });
});
