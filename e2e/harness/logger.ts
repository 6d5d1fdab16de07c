/**
 * The harness's logs: one file per container (its stdout and stderr, each line timestamped, all
 * incarnations appended, as `kubectl logs` and `--previous` together would show) and one file of
 * kubelet/controller events. With `verbose`, every line is also echoed to the runner's output.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export class Logger {
  constructor(readonly dir: string, private readonly verbose: boolean) {
    mkdirSync(dir, { recursive: true });
  }

  /** A kubelet, controller or proxy event worth reading after a failure. */
  event(source: string, message: string): void {
    this.write('harness.log', `${source}: ${message}`, `[${source}]`);
  }

  /** Copies a container's output, line by line, into `<pod>.<container>.log`. */
  followContainer(pod: string, container: string, output: Readable): void {
    this.follow(output, (line) => this.write(`${pod}.${container}.log`, line, `[${pod}/${container}]`));
  }

  /** What the runtime tools (ip, unshare, the launch script before exec) say about a container. */
  followRuntime(pod: string, container: string, output: Readable): void {
    this.follow(output, (line) => this.event('runtime', `${pod}/${container}: ${line}`));
  }

  private follow(output: Readable, onLine: (line: string) => void): void {
    let partial = '';
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      lines.forEach(onLine);
    });
    output.on('end', () => {
      if (partial) onLine(partial);
    });
  }

  private write(file: string, line: string, echoPrefix: string): void {
    const stamped = `${new Date().toISOString()} ${line}`;
    appendFileSync(join(this.dir, file), `${stamped}\n`);
    if (this.verbose) process.stdout.write(`    ${echoPrefix} ${line}\n`);
  }
}
