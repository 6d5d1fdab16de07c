// kubectl as a subprocess: the user's flags passed through, every call bounded, kubectl's errors kept in
// its own words and sorted into the kinds the CLI reacts to.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kubectl, KubectlError, classify } from '../../cli/kubectl';
import { fixture } from './recorded';

/** A stand-in kubectl: prints its arguments, or the recorded stderr given in FAKE_STDERR and exits 1. */
function fakeKubectl(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgha-cli-'));
  const path = join(dir, 'kubectl');
  writeFileSync(path, '#!/bin/sh\nif [ -n "$FAKE_STDERR" ]; then printf "%s\\n" "$FAKE_STDERR" >&2; exit 1; fi\nprintf "%s\\n" "$@"\n');
  chmodSync(path, 0o755);
  return path;
}

describe('kubectl', () => {
  const binary = fakeKubectl();
  afterEach(() => {
    delete process.env.FAKE_STDERR;
  });

  it('passes --kubeconfig and --context through and bounds every request', async () => {
    const out = await new Kubectl({ kubeconfig: '/home/me/.kube/prod', context: 'prod' }, binary).run(['get', 'pods']);
    expect(out.trim().split('\n')).toEqual(['--kubeconfig', '/home/me/.kube/prod', '--context', 'prod', '--request-timeout=10s', 'get', 'pods']);
  });

  it('leaves kubeconfig and context to kubectl when not given', async () => {
    const out = await new Kubectl({}, binary).run(['get', 'pods'], '5s');
    expect(out.trim().split('\n')).toEqual(['--request-timeout=5s', 'get', 'pods']);
  });

  it('fails with kubectl\'s message, sorted as forbidden', async () => {
    process.env.FAKE_STDERR = fixture('errors/statefulset-forbidden.err').trim();
    const error = await new Kubectl({}, binary).run(['get', 'statefulset', 'hot-postgres']).catch((e: KubectlError) => e);
    expect(error).toBeInstanceOf(KubectlError);
    expect(error).toMatchObject({ failure: 'forbidden', message: process.env.FAKE_STDERR });
  });

  it('answers null for an object that does not exist', async () => {
    process.env.FAKE_STDERR = fixture('errors/statefulset-not-found.err').trim();
    expect(await new Kubectl({}, binary).optional(['get', 'statefulset', 'nope'])).toBeNull();
  });

  it('fails when kubectl is not installed, saying it is required', async () => {
    await expect(new Kubectl({}, '/nonexistent/kubectl').run(['get', 'pods'])).rejects.toThrow(
      new Error('kubectl not found: this command runs /nonexistent/kubectl with your kubeconfig; install kubectl (https://kubernetes.io/docs/tasks/tools/) or set PGHA_KUBECTL to its path'),
    );
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(new Kubectl({}, 'kubectl').run(['get', 'pods'])).rejects.toThrow(
        new Error('kubectl not found: this command runs kubectl from your PATH with your kubeconfig; install kubectl (https://kubernetes.io/docs/tasks/tools/) or set PGHA_KUBECTL to its path'),
      );
    } finally {
      process.env.PATH = path;
    }
  });

  it('sorts kubectl\'s errors by kind', () => {
    expect(classify(fixture('errors/statefulset-not-found.err')).failure).toBe('not-found');
    expect(classify(fixture('errors/proxy-forbidden.err')).failure).toBe('forbidden');
    expect(classify(fixture('errors/annotate-pending.err'))).toMatchObject({
      failure: 'other', message: "--overwrite is false but found the following declared annotation(s): 'cdk8s-postgres-ha/switchover-to' already has a value (nobody-7)",
    });
  });
});
