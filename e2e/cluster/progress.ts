/**
 * What `cluster:up` prints: one line per step with the time since start, and on failure the component,
 * the command and where its log is.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

const started = Date.now();

export function say(line: string): void {
  const elapsed = Math.round((Date.now() - started) / 1000);
  console.log(`[${String(Math.floor(elapsed / 60)).padStart(2, '0')}:${String(elapsed % 60).padStart(2, '0')}] ${line}`);
}

export class StepError extends Error {
  constructor(readonly component: string, readonly command: string, readonly log: string | undefined, detail: string) {
    super(`${component} failed: ${detail}\n  command: ${command}${log ? `\n  log: ${log}` : ''}`);
    this.name = 'StepError';
  }
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Output goes here (appended), not to the terminal. */
  readonly log: string;
}

/** Runs a command to completion with its output in a log file; a failure names the command and the log. */
export function run(component: string, argv: readonly string[], options: RunOptions): Promise<void> {
  mkdirSync(dirname(options.log), { recursive: true });
  const out = createWriteStream(options.log, { flags: 'a' });
  out.write(`\n$ ${argv.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on('error', (error) => reject(new StepError(component, argv.join(' '), options.log, error.message)));
    child.on('close', (code, signal) => {
      out.end();
      if (code === 0) resolve();
      else reject(new StepError(component, argv.join(' '), options.log, `exit ${code ?? signal}; last lines:\n${tail(options.log, 8)}`));
    });
  });
}

export function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
  } catch {
    return '    (no log)';
  }
}
