import * as fs from 'fs';
import * as path from 'path';

/**
 * The files the construct ships from the agent side of the repository: the failover agent bundle
 * (built by `npm run build:agent`) and the postgres container's supervisor and WAL scripts. Each is read once
 * per process: every cluster in an app renders the same bytes.
 */

const PACKAGE_ROOT = path.join(__dirname, '..');
const COMPRESSED_BUNDLE_PATH = path.join(PACKAGE_ROOT, 'build', 'agent', 'agent.js.gz');
const SUPERVISOR_PATH = path.join(PACKAGE_ROOT, 'agent', 'supervisor.sh');
const WAL_SCRIPT_PATH = path.join(PACKAGE_ROOT, 'agent', 'wal.sh');

const cache = new Map<string, string>();

/** build/agent/agent.js.gz (agent/build.mjs gzips the bundle once), base64-encoded for a ConfigMap's binaryData. */
export function compressedAgentBundle(): string {
  return readOnce(COMPRESSED_BUNDLE_PATH, `agent bundle not found at ${COMPRESSED_BUNDLE_PATH}: run "npm run build:agent"`, 'base64');
}

/**
 * What the agent container runs from the ConfigMap (`node /opt/pgha/agent.js`, the path an image with
 * the bundle built in uses too): it unpacks agent.js.gz beside it into the container's /tmp (an
 * emptyDir; the root file system is read-only) and runs it there.
 */
export const AGENT_BUNDLE_LOADER = [
  '// Runs the cdk8s-postgres-ha agent, which this ConfigMap carries gzip-compressed (agent.js.gz) to stay',
  '// under the 256 KiB that client-side kubectl apply may record of an object in its annotations.',
  "const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');",
  "const { gunzipSync } = require('node:zlib');",
  "mkdirSync('/tmp/pgha', { recursive: true });",
  "writeFileSync('/tmp/pgha/agent.js', gunzipSync(readFileSync(`${__dirname}/agent.js.gz`)));",
  "require('/tmp/pgha/agent.js');",
  '',
].join('\n');

/** The contents of agent/supervisor.sh. */
export function supervisorScript(): string {
  return readOnce(SUPERVISOR_PATH, `supervisor script not found at ${SUPERVISOR_PATH}: the package is incomplete`);
}

/** The contents of agent/wal.sh: PostgreSQL's archive_command (and restore_command) hands WAL to the agent. */
export function walScript(): string {
  return readOnce(WAL_SCRIPT_PATH, `WAL script not found at ${WAL_SCRIPT_PATH}: the package is incomplete`);
}

function readOnce(file: string, missing: string, encoding: 'utf8' | 'base64' = 'utf8'): string {
  const cached = cache.get(file);
  if (cached !== undefined) {
    return cached;
  }
  if (!fs.existsSync(file)) {
    throw new Error(missing);
  }
  const contents = fs.readFileSync(file).toString(encoding);
  cache.set(file, contents);
  return contents;
}
