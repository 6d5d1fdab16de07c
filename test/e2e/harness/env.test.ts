import { containerEnv, ContainerConfigError, expand, fieldValue, type EnvSources } from '../../../e2e/harness/env';
import type { Container, Pod } from '../../../e2e/harness/kube';

const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'db-0', namespace: 'demo', uid: 'u-1', labels: { app: 'db' } },
  spec: { containers: [], nodeName: 'node-a', serviceAccountName: 'db' },
  status: { podIP: '10.244.1.2', hostIP: '10.244.0.1' },
};

const sources: EnvSources = {
  secret: (namespace, name) => (namespace === 'demo' && name === 'auth' ? { apiVersion: 'v1', kind: 'Secret', data: { password: Buffer.from('pw').toString('base64') } } : undefined),
  configMap: (namespace, name) => (namespace === 'demo' && name === 'settings' ? { apiVersion: 'v1', kind: 'ConfigMap', data: { mode: 'warm', 'bad key': 'x' } } : undefined),
};

const container = (env: Container['env'], envFrom?: Container['envFrom']): Container => ({ name: 'c', env, envFrom });

describe('containerEnv', () => {
  it('resolves plain values and the downward API fields', () => {
    const env = containerEnv(container([
      { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'PLAIN', value: 'x' },
    ]), pod, sources, {});
    expect(env).toEqual({ NAME: 'db-0', NS: 'demo', UID: 'u-1', IP: '10.244.1.2', APP: 'db', PLAIN: 'x' });
  });

  it('reads secretKeyRef and configMapKeyRef from the pod namespace', () => {
    const env = containerEnv(container([
      { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'auth', key: 'password' } } },
      { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } },
    ]), pod, sources, {});
    expect(env).toEqual({ PASSWORD: 'pw', MODE: 'warm' });
  });

  it('leaves out optional references that do not resolve', () => {
    const env = containerEnv(container([
      { name: 'A', valueFrom: { secretKeyRef: { name: 'missing', key: 'x', optional: true } } },
      { name: 'B', valueFrom: { secretKeyRef: { name: 'auth', key: 'missing', optional: true } } },
      { name: 'C', valueFrom: { configMapKeyRef: { name: 'missing', key: 'x', optional: true } } },
    ]), pod, sources, {});
    expect(env).toEqual({});
  });

  it('fails like CreateContainerConfigError when a required secret is missing', () => {
    expect(() => containerEnv(container([{ name: 'A', valueFrom: { secretKeyRef: { name: 'missing', key: 'x' } } }]), pod, sources, {}))
      .toThrow(new ContainerConfigError('secret "missing" not found'));
  });

  it('fails when a required key is missing', () => {
    expect(() => containerEnv(container([{ name: 'A', valueFrom: { configMapKeyRef: { name: 'settings', key: 'nope' } } }]), pod, sources, {}))
      .toThrow('couldn\'t find key nope in ConfigMap demo/settings');
  });

  it('takes envFrom with its prefix and skips keys that are not valid variable names', () => {
    const env = containerEnv(container([{ name: 'MODE_OVERRIDE', value: 'hot' }], [{ configMapRef: { name: 'settings' }, prefix: 'CFG_' }]), pod, sources, {});
    expect(env).toEqual({ CFG_mode: 'warm', MODE_OVERRIDE: 'hot' });
  });

  it('expands $(VAR) from earlier variables and the Service variables, and lets explicit ones win', () => {
    const env = containerEnv(container([
      { name: 'HOST', value: 'db' },
      { name: 'URL', value: 'postgres://$(HOST):$(KUBERNETES_SERVICE_PORT)/$(LATER)' },
      { name: 'LATER', value: 'x' },
      { name: 'KUBERNETES_SERVICE_HOST', value: 'overridden' },
    ]), pod, sources, { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' });
    expect(env.URL).toBe('postgres://db:443/$(LATER)');
    expect(env.KUBERNETES_SERVICE_HOST).toBe('overridden');
    expect(env.KUBERNETES_SERVICE_PORT).toBe('443');
  });
});

describe('expand', () => {
  const lookup = (name: string) => ({ A: 'a' })[name];
  it.each([
    ['$(A)', 'a'],
    ['x$(A)y', 'xay'],
    ['$$(A)', '$(A)'],
    ['$(B)', '$(B)'],
    ['$(A', '$(A'],
    ['$A', '$A'],
    ['cost: 5$', 'cost: 5$'],
  ])('%s → %s', (input, expected) => {
    expect(expand(input, lookup)).toBe(expected);
  });
});

describe('fieldValue', () => {
  it('fails on a field the downward API does not offer', () => {
    expect(() => fieldValue(pod, 'spec.containers')).toThrow('unsupported fieldRef spec.containers');
  });
});
