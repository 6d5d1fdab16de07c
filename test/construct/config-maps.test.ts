import * as fs from 'fs';
import * as path from 'path';
import { find, render } from './helpers';

const ROOT = path.join(__dirname, '..', '..');

/** Renders a cluster with the agent-side files replaced, in a module registry of its own. */
function hashWith(files: { bundle: string; supervisor: string }): string {
  let hash = '';
  jest.isolateModules(() => {
    jest.doMock('../../lib/agent-bundle', () => ({ agentBundle: () => files.bundle, supervisorScript: () => files.supervisor }));
    const { Chart, Testing } = require('cdk8s');
    const { PostgresCluster } = require('../../lib');
    const chart = new Chart(Testing.app(), 'test');
    new PostgresCluster(chart, 'pg');
    const sts = Testing.synth(chart).find((m: any) => m.kind === 'StatefulSet');
    hash = sts.spec.template.metadata.annotations['cdk8s-postgres-ha/config-hash'];
  });
  return hash;
}

describe('ConfigMaps', () => {
  test('the config ConfigMap carries postgresql.conf, pg_hba.conf and the supervisor script from agent/', () => {
    const config = find(render().manifests, 'ConfigMap', 'pg-config');
    expect(Object.keys(config.data)).toEqual(['pg_hba.conf', 'postgresql.conf', 'supervisor.sh']);
    expect(config.data['supervisor.sh']).toBe(fs.readFileSync(path.join(ROOT, 'agent', 'supervisor.sh'), 'utf8'));
  });

  test('the agent ConfigMap carries the agent bundle built from agent/', () => {
    const agent = find(render().manifests, 'ConfigMap', 'pg-agent');
    expect(Object.keys(agent.data)).toEqual(['agent.js']);
    expect(agent.data['agent.js']).toBe(fs.readFileSync(path.join(ROOT, 'build', 'agent', 'agent.js'), 'utf8'));
  });

  test('the agent ConfigMap stays small enough for kubectl apply', () => {
    // Client-side apply copies the object into the last-applied-configuration annotation, and all of
    // an object's annotations together are limited to 256 KiB (a ConfigMap itself to 1 MiB).
    const agent = find(render().manifests, 'ConfigMap', 'pg-agent');
    expect(Buffer.byteLength(JSON.stringify(agent))).toBeLessThan(256 * 1024);
  });

  test('the pods roll when the agent bundle changes', () => {
    expect(hashWith({ bundle: 'one', supervisor: 's' })).not.toBe(hashWith({ bundle: 'two', supervisor: 's' }));
  });

  test('the pods roll when the supervisor script changes', () => {
    expect(hashWith({ bundle: 'b', supervisor: 'one' })).not.toBe(hashWith({ bundle: 'b', supervisor: 'two' }));
  });
});
