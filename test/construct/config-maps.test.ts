import * as fs from 'fs';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import { find, render } from './helpers';

const ROOT = path.join(__dirname, '..', '..');

/** Renders a cluster with the agent-side files replaced, in a module registry of its own. */
function hashWith(files: { bundle: string; supervisor: string }): string {
  let hash = '';
  jest.isolateModules(() => {
    jest.doMock('../../lib/agent-bundle', () => ({
      ...jest.requireActual('../../lib/agent-bundle'),
      compressedAgentBundle: () => Buffer.from(files.bundle).toString('base64'),
      supervisorScript: () => files.supervisor,
    }));
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

  test('the agent ConfigMap carries the agent bundle built from agent/, gzip-compressed, and agent.js that runs it', () => {
    const agent = find(render().manifests, 'ConfigMap', 'pg-agent');
    expect(Object.keys(agent.data)).toEqual(['agent.js']);
    expect(Object.keys(agent.binaryData)).toEqual(['agent.js.gz']);
    const bundle = gunzipSync(Buffer.from(agent.binaryData['agent.js.gz'], 'base64')).toString('utf8');
    expect(bundle).toBe(fs.readFileSync(path.join(ROOT, 'build', 'agent', 'agent.js'), 'utf8'));
    expect(agent.data['agent.js']).toContain("gunzipSync(readFileSync(`${__dirname}/agent.js.gz`))");
  });

  test('agent.js unpacks the bundle beside it into /tmp and runs it', () => {
    const agent = find(render().manifests, 'ConfigMap', 'pg-agent');
    const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'pgha-loader-'));
    fs.writeFileSync(path.join(dir, 'agent.js.gz'), require('zlib').gzipSync("require('fs').writeFileSync(process.env.MARK, 'ran')"));
    // The loader's own paths, moved into this test's folder: what it does with them is what is tested.
    const loader = agent.data['agent.js'].split('/tmp/pgha').join(path.join(dir, 'unpacked'));
    fs.writeFileSync(path.join(dir, 'agent.js'), loader);
    const mark = path.join(dir, 'mark');
    require('child_process').execFileSync(process.execPath, [path.join(dir, 'agent.js')], { env: { ...process.env, MARK: mark } });
    expect(fs.readFileSync(mark, 'utf8')).toBe('ran');
    expect(fs.existsSync(path.join(dir, 'unpacked', 'agent.js'))).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
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
