// Bundles the failover agent into one file that a ConfigMap can carry (limit 1 MiB; we stay far below).
// The output must be byte-identical for identical sources: the construct hashes it into the pod template,
// so a rebuild that changed nothing must not roll the pods.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'build', 'agent', 'agent.js');
mkdirSync(dirname(outfile), { recursive: true });

await build({
  entryPoints: [join(root, 'agent', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  legalComments: 'eof',
  // pg optionally requires pg-native (a native addon we never use); keep it out of the bundle.
  external: ['pg-native'],
  logLevel: 'warning',
});
