// Bundles the failover agent into one file, and gzips it for the ConfigMap that carries it: client-side
// `kubectl apply` (and GitOps tools that apply that way) copies the whole object into an annotation,
// and an object's annotations are limited to 256 KiB, which the plain bundle outgrew.
// The output must be byte-identical for identical sources: the construct hashes it into the pod template,
// so a rebuild that changed nothing must not roll the pods. Compressed here, once, not at synth time:
// another Node.js's zlib could compress the same bytes differently and roll every user's pods.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { constants, gzipSync } from 'node:zlib';
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

// gzip's header carries no name and a zero mtime here, so the bytes depend on the input alone.
writeFileSync(`${outfile}.gz`, gzipSync(readFileSync(outfile), { level: constants.Z_BEST_COMPRESSION }));
