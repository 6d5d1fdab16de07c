// The command line ships as one executable file, build/cli/cli.js (package.json `bin`), built by
// `node cli/build.mjs` before the tests run: it must start with node's shebang, answer --help, and
// exit 2 on a wrong command line and 1 when it cannot do its work.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { USAGE } from '../../cli/args';

const root = join(__dirname, '..', '..');
const cli = join(root, 'build', 'cli', 'cli.js');
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(cli, args, { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 10_000 });

describe('cli bundle', () => {
  it('is an executable node script, as package.json bin names it', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };
    expect(pkg.bin).toEqual({ 'cdk8s-postgres-ha': 'build/cli/cli.js' });
    expect(pkg.files).toContain('build/cli/cli.js');
    expect(readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    accessSync(cli, constants.X_OK);
  });

  it('prints the usage for --help and exits 0', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toBe(USAGE);
  });

  it('fails on a wrong command line with exit 2, the reason and the usage', () => {
    const wrong = run(['status']);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toBe(`error: status needs the cluster's name: cdk8s-postgres-ha status <cluster> -n <namespace>\n\n${USAGE}`);
  });

  it('fails without kubectl with exit 1, saying it is required', () => {
    const missing = run(['status', 'hot-postgres', '-n', 'demo'], { PGHA_KUBECTL: '/nonexistent/kubectl' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('error: kubectl not found: this command runs /nonexistent/kubectl with your kubeconfig; install kubectl (https://kubernetes.io/docs/tasks/tools/) or set PGHA_KUBECTL to its path\n');
  });
});
