/**
 * What a scenario gets to work with (the real-cluster suite, e2e/k8s, and the benchmarks of bench/k8s):
 * numbered steps that print one line each with their time, and waiters that fail with what they last saw.
 */
import { delay } from './sleep';

/** How often waiters look again: fast enough not to add latency to timings, cheap for 2 cores. */
const POLL_MS = 100;

/** `C` is what the scenario drives: the real cluster (e2e/k8s KubeCluster). */
export class ScenarioContext<C> {
  constructor(readonly cluster: C, private readonly print: (line: string) => void) {}

  /** Runs one step and prints `  ✓ description (1.23 s)`, or `  ✗ …` before rethrowing. */
  async step<T>(description: string, action: () => Promise<T>): Promise<T> {
    const start = Date.now();
    try {
      const result = await action();
      this.print(`  ✓ ${description} (${seconds(Date.now() - start)})`);
      return result;
    } catch (error) {
      this.print(`  ✗ ${description} (${seconds(Date.now() - start)})`);
      throw error;
    }
  }

  /**
   * Polls `probe` until it returns something other than undefined/false, and returns that. A probe that
   * throws counts as not yet; on timeout the error names the wait and the last answer or error.
   */
  async waitFor<T>(description: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    for (;;) {
      try {
        const value = await probe();
        if (value !== undefined && value !== false) return value;
        last = `got ${String(value)}`;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      if (Date.now() >= deadline) throw new Error(`timed out after ${seconds(timeoutMs)} waiting for ${description}; last: ${last}`);
      await delay(POLL_MS);
    }
  }
}

/** Throws with the message when the condition is false: the scenarios' assertion. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
