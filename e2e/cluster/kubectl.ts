/** kubectl, as a person runs it, with the cluster's admin kubeconfig (e2e/.work/kubeconfig). */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { PATHS } from './plan';

export class Kubectl {
  constructor(readonly binDir: string, readonly kubeconfig: string = PATHS.kubeconfig) {}

  get path(): string {
    return join(this.binDir, 'kubectl');
  }

  /** Runs kubectl; resolves with stdout, rejects with stderr in the message. */
  run(args: readonly string[], input?: string, timeoutMs = 60_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = execFile(this.path, ['--kubeconfig', this.kubeconfig, ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`kubectl ${args.join(' ')}: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      });
      if (input !== undefined) child.stdin?.end(input);
    });
  }

  async json<T>(args: readonly string[]): Promise<T> {
    return JSON.parse(await this.run([...args, '-o', 'json'])) as T;
  }

  apply(manifest: string): Promise<string> {
    return this.run(['apply', '--server-side', '--force-conflicts', '-f', '-'], manifest);
  }
}
