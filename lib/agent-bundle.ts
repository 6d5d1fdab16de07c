import * as fs from 'fs';
import * as path from 'path';

/**
 * The files the construct ships from the agent side of the repository: the failover agent bundle
 * (built by `npm run build:agent`) and the postgres container's supervisor and WAL scripts. Each is read once
 * per process: every cluster in an app renders the same bytes.
 */

const PACKAGE_ROOT = path.join(__dirname, '..');
const BUNDLE_PATH = path.join(PACKAGE_ROOT, 'build', 'agent', 'agent.js');
const SUPERVISOR_PATH = path.join(PACKAGE_ROOT, 'agent', 'supervisor.sh');
const WAL_SCRIPT_PATH = path.join(PACKAGE_ROOT, 'agent', 'wal.sh');

const cache = new Map<string, string>();

/** The contents of build/agent/agent.js. */
export function agentBundle(): string {
  return readOnce(BUNDLE_PATH, `agent bundle not found at ${BUNDLE_PATH}: run "npm run build:agent"`);
}

/** The contents of agent/supervisor.sh. */
export function supervisorScript(): string {
  return readOnce(SUPERVISOR_PATH, `supervisor script not found at ${SUPERVISOR_PATH}: the package is incomplete`);
}

/** The contents of agent/wal.sh: PostgreSQL's archive_command (and restore_command) hands WAL to the agent. */
export function walScript(): string {
  return readOnce(WAL_SCRIPT_PATH, `WAL script not found at ${WAL_SCRIPT_PATH}: the package is incomplete`);
}

function readOnce(file: string, missing: string): string {
  const cached = cache.get(file);
  if (cached !== undefined) {
    return cached;
  }
  if (!fs.existsSync(file)) {
    throw new Error(missing);
  }
  const contents = fs.readFileSync(file, 'utf8');
  cache.set(file, contents);
  return contents;
}
