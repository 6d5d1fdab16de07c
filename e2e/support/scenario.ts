/**
 * What a scenario is and what it gets to work with: a fresh LocalCluster of its chart, numbered steps
 * that print one line each with their time, and waiters that fail with what they last saw.
 */
import type { App, Chart } from 'cdk8s';
import type { LocalCluster } from '../harness/cluster';
import { delay } from './sleep';

export interface Scenario {
  /** Used by `--only` and for the log folder. */
  readonly name: string;
  /** One line: what the scenario proves. */
  readonly summary: string;
  readonly chart: (app: App) => Chart;
  run(t: ScenarioContext): Promise<void>;
  /** After a failure, before teardown: saves what helps to understand it into the log folder. */
  diagnose?(t: ScenarioContext): Promise<void>;
}

/** How often waiters look again: fast enough not to add latency to timings, cheap for 2 cores. */
const POLL_MS = 100;

/** `C` is what the scenario drives: the stand-in LocalCluster, or the real cluster (e2e/k8s). */
export class ScenarioContext<C = LocalCluster> {
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
