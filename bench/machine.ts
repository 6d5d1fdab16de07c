/** What the results came from: the machine, the runtimes, and the code (commit, uncommitted changes). */
import { execFileSync } from 'node:child_process';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { POSTGRES_BIN_DIR } from '../e2e/harness/images';

export interface Machine {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly postgres: string;
  readonly commit: string;
}

export function describeMachine(): Machine {
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: `Linux ${release()}`,
    node: process.version,
    postgres: output(join(POSTGRES_BIN_DIR, 'postgres'), ['--version']).replace(/^postgres \(PostgreSQL\) /, ''),
    commit: commit(),
  };
}

export function machineLine(m: Machine): string {
  return `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.kernel}, Node.js ${m.node}, PostgreSQL ${m.postgres}, code ${m.commit}`;
}

/** The checkout's commit; BENCH_COMMIT names it for a tree exported without .git (git archive). */
function commit(): string {
  if (process.env.BENCH_COMMIT) return process.env.BENCH_COMMIT;
  const root = join(__dirname, '..');
  const head = output('git', ['-C', root, 'rev-parse', '--short', 'HEAD']);
  const dirty = output('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no', '--', 'agent', 'lib', 'e2e']);
  return dirty === '' ? head : `${head} + uncommitted changes to agent/lib/e2e`;
}

function output(command: string, args: readonly string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}
