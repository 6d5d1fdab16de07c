/**
 * The cluster's long-running processes: started detached (they outlive `cluster:up`), each with a log
 * file and a pid file under the state folder, and stopped by `cluster:down` from those pid files.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATE } from './plan';
import { StepError, tail } from './progress';
import { sleep } from './wait';

export interface Daemon {
  readonly name: string;
  readonly argv: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Start it again a second after it exits, as the kubelet restarts a control plane's static pods (or
   * systemd its units). kube-controller-manager and kube-scheduler exit on purpose when they lose their
   * leader election (the API server unanswered for their renew deadline); a cluster without this is
   * left with no controllers after any API outage longer than 10 s.
   */
  readonly restart?: boolean;
}

/**
 * The restart loop, as bash: the pid file holds the loop's pid, so stopping the daemon (SIGTERM) stops
 * the loop and the program it runs.
 */
const RESTART_LOOP = 'trap \'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 0\' TERM; '
  + 'while :; do "$@" & child=$!; wait "$child"; echo "restart loop: exited with status $?; starting again in 1 s"; sleep 1; done';

export const logOf = (name: string) => join(STATE.logs, `${name}.log`);
const pidFile = (name: string) => join(STATE.run, `${name}.pid`);

export function start(daemon: Daemon): number {
  mkdirSync(STATE.logs, { recursive: true });
  mkdirSync(STATE.run, { recursive: true });
  const log = openSync(logOf(daemon.name), 'a');
  const argv = daemon.restart ? ['bash', '-c', RESTART_LOOP, daemon.name, ...daemon.argv] : daemon.argv;
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', log, log], env: daemon.env ?? process.env });
  if (child.pid === undefined) throw new StepError(daemon.name, daemon.argv.join(' '), logOf(daemon.name), 'did not start');
  writeFileSync(pidFile(daemon.name), `${child.pid}\n${daemon.argv.join(' ')}\n`);
  child.unref();
  return child.pid;
}

export function isRunning(name: string): boolean {
  const pid = readPid(name);
  return pid !== null && alive(pid);
}

function readPid(name: string): number | null {
  try {
    return Number(readFileSync(pidFile(name), 'utf8').split('\n')[0]) || null;
  } catch {
    return null;
  }
}

/**
 * SIGKILL to a daemon started without a restart loop (a node's kubelet or containerd), as a power cut
 * ends it; its pid file goes, so the node can be started again. Returns whether it was running.
 */
export function killDaemon(name: string): boolean {
  const pid = readPid(name);
  rmSync(pidFile(name), { force: true });
  if (pid === null || !alive(pid)) return false;
  process.kill(pid, 'SIGKILL');
  return true;
}

/** Whether a process with this pid exists (signal 0 checks without sending). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits for `ready` while the daemon runs; its exit or the deadline fails with its log's last lines. */
export async function waitReady(daemon: Daemon, what: string, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ready().catch(() => false)) return;
    if (!isRunning(daemon.name)) throw new StepError(daemon.name, daemon.argv.join(' '), logOf(daemon.name), `exited before ${what}; last lines:\n${tail(logOf(daemon.name), 12)}`);
    if (Date.now() > deadline) throw new StepError(daemon.name, daemon.argv.join(' '), logOf(daemon.name), `not ${what} within ${timeoutMs / 1000} s; last lines:\n${tail(logOf(daemon.name), 12)}`);
    await sleep(250);
  }
}

/** Stops every daemon with a pid file, in the given order (the rest after): SIGTERM, then SIGKILL. */
export async function stopAll(order: readonly string[]): Promise<string[]> {
  if (!existsSync(STATE.run)) return [];
  const names = readdirSync(STATE.run).filter((f) => f.endsWith('.pid')).map((f) => f.slice(0, -4));
  const sorted = [...order.filter((n) => names.includes(n)), ...names.filter((n) => !order.includes(n))];
  const stopped: string[] = [];
  for (const name of sorted) {
    const pid = readPid(name);
    if (pid !== null && alive(pid)) {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 40 && alive(pid); i++) await sleep(100);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
      stopped.push(name);
    }
    rmSync(pidFile(name), { force: true });
  }
  return stopped;
}
