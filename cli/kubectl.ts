// The CLI's only way to the cluster: kubectl as a subprocess, with the user's kubeconfig. kubectl
// already speaks every way a kubeconfig can authenticate (client certificates, tokens, exec plugins of
// the cloud providers, OIDC), follows the user's current context and namespace, and shows the same
// errors people know; a client of our own would have to reimplement all of that.
import { execFile, spawn, type ChildProcess } from 'node:child_process';

/** `--context` and `--kubeconfig`, passed to every kubectl call unchanged. */
export interface KubeFlags {
  readonly context?: string;
  readonly kubeconfig?: string;
}

/** Why a kubectl call failed, in the terms the CLI reacts to. */
export type KubectlFailure = 'not-found' | 'forbidden' | 'other';

export class KubectlError extends Error {
  constructor(
    readonly failure: KubectlFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Every call is bounded: a status command that hangs on an unreachable API server helps nobody. */
const REQUEST_TIMEOUT = '10s';
export class Kubectl {
  /** `binary`: kubectl from PATH unless `PGHA_KUBECTL` names another one (e.g. a versioned build). */
  constructor(
    private readonly flags: KubeFlags = {},
    private readonly binary = process.env.PGHA_KUBECTL || 'kubectl',
  ) {}

  /** Runs kubectl; resolves with stdout; rejects with a KubectlError carrying kubectl's own message. */
  run(args: readonly string[], requestTimeout = REQUEST_TIMEOUT): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(this.binary, [...this.global(), `--request-timeout=${requestTimeout}`, ...args], { maxBuffer: 64 * 1024 * 1024, env: process.env }, (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return reject(missingKubectl(this.binary));
        reject(classify(stderr.trim() || error.message));
      });
    });
  }

  /** A long-running kubectl (port-forward); the caller ends it. Rejects like run() when kubectl is missing. */
  start(args: readonly string[]): Promise<ChildProcess> {
    const child = spawn(this.binary, [...this.global(), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve(child));
      child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? missingKubectl(this.binary) : error));
    });
  }

  private global(): string[] {
    return [...(this.flags.kubeconfig ? ['--kubeconfig', this.flags.kubeconfig] : []), ...(this.flags.context ? ['--context', this.flags.context] : [])];
  }

  async json<T>(args: readonly string[]): Promise<T> {
    return JSON.parse(await this.run([...args, '-o', 'json'])) as T;
  }

  /** The object, or null when the API server says it does not exist. */
  async optional<T>(args: readonly string[]): Promise<T | null> {
    try {
      return await this.json<T>(args);
    } catch (error) {
      if (error instanceof KubectlError && error.failure === 'not-found') return null;
      throw error;
    }
  }
}

function missingKubectl(binary: string): KubectlError {
  const which = binary === 'kubectl' ? 'kubectl from your PATH' : binary;
  return new KubectlError('other', `kubectl not found: this command runs ${which} with your kubeconfig; install kubectl (https://kubernetes.io/docs/tasks/tools/) or set PGHA_KUBECTL to its path`);
}

/** kubectl's stderr (`Error from server (NotFound): …`) → a failure kind, keeping kubectl's words. */
export function classify(stderr: string): KubectlError {
  // kubectl's client-side errors start with `error: `; the CLI adds its own prefix.
  const message = stderr.split('\n').filter(Boolean).join('; ').replace(/^error: /, '');
  if (/^Error from server \(NotFound\)/m.test(stderr)) return new KubectlError('not-found', message);
  if (/^Error from server \(Forbidden\)/m.test(stderr)) return new KubectlError('forbidden', message);
  return new KubectlError('other', message);
}
