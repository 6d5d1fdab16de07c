/**
 * The construct embeds build/agent/agent.js into the manifests it renders, so a scenario would run a
 * stale agent if the bundle were older than the agent's sources. Rebuilds it when it is missing or
 * older than any source file under agent/.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const BUNDLE = join(ROOT, 'build', 'agent', 'agent.js');
const SOURCES = join(ROOT, 'agent');

/** @returns true when it had to build */
export function ensureAgentBundle(): boolean {
  const built = mtime(BUNDLE);
  if (built !== undefined && newestSource(SOURCES) <= built) return false;
  execFileSync(process.execPath, [join(SOURCES, 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  return true;
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (/\.(ts|js|mjs|json)$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function mtime(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}
