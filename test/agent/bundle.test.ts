// The agent ships as one file in a ConfigMap: it must build the same bytes every time (the construct
// hashes it into the pod template), stay small, and load on the oldest Node.js we support.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const bundle = join(root, 'build', 'agent', 'agent.js');
const build = () => {
  execFileSync(process.execPath, [join(root, 'agent', 'build.mjs')], { cwd: root });
  return createHash('sha256').update(readFileSync(bundle)).digest('hex');
};

describe('agent bundle', () => {
  it('builds deterministically', () => {
    expect(build()).toBe(build());
  }, 60_000);

  it('stays under 300 KB', () => {
    expect(readFileSync(bundle).length).toBeLessThan(300 * 1024);
  });

  it('loads on this Node.js and stops with a clear error when the pod environment is missing', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(20);
    const run = spawnSync(process.execPath, [bundle], { env: { PATH: process.env.PATH }, encoding: 'utf8', timeout: 10_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('agent failed to start: environment variable PGHA_CLUSTER_NAME is required\n');
  });
});
