// Bundles the command line (cli/main.ts) into one file with its shebang, build/cli/cli.js, which
// package.json's `bin` names: `npx cdk8s-postgres-ha status <name>` runs it with no dependency installed.
import { build } from 'esbuild';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'build', 'cli', 'cli.js');
mkdirSync(dirname(outfile), { recursive: true });

await build({
  entryPoints: [join(root, 'cli', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // esbuild keeps the entry point's shebang line as the bundle's first line.
  legalComments: 'eof',
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
