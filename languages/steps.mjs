// What build.mjs and test.mjs both do with a step: run a program with their environment, and time it.
import { execFileSync } from 'node:child_process';

export function run(command, args, cwd, env) {
  execFileSync(command, args, { cwd, env, stdio: 'inherit' });
}

export function timed(step, fn) {
  const start = performance.now();
  fn();
  console.log(`${step}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
}
