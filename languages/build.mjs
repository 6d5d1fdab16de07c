// Builds the library for every cdk8s language with jsii:
//   node languages/build.mjs compile   jsii compile only (checks the public API is expressible in every language)
//   node languages/build.mjs package   compile, then jsii-pacmak: Python wheel, Go module, npm tarball, Java sources
//
// The library is staged into build/jsii/ (lib/ and imports/ sources, the agent bundle, the supervisor,
// package.json without its scripts) and compiled there, so the checkout never holds compiled .js next to
// its .ts (jest and ts-node would load those instead) and `tsc --noEmit -p .` is not involved. Packages
// land in build/packages/{js,python,go} and build/packages/java-sources/java. Each package embeds the npm tarball of the staged folder,
// whose files list carries build/agent/agent.js and agent/supervisor.sh at the paths lib/agent-bundle.ts
// reads them from, so every language renders the same bytes.
//
// The Go module proxy reachable here does not serve the cdk8s Go modules
// (github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2, .../cdk8s-plus-go/cdk8splus27/v2: "not available"), so
// they are generated the way cdk8s releases them, with jsii-pacmak from the npm packages we depend on, into
// build/go-deps/go/ (once per version); jsii-pacmak's Go build finds them there through a copy beside our
// module, and languages/go/go.mod replaces them. constructs-go and jsii-runtime-go come from the proxy.
//
// Maven Central, as reachable here, does not serve org.cdk8s:cdk8s or org.cdk8s:cdk8s-plus-27 either, so
// the Java package is generated as sources (a Maven project) but not compiled into a jar.
//
// A package run is skipped when the staged inputs, the jsii tool versions and the targets are those of the
// last successful run (build/packages/.inputs): jsii-pacmak's own fingerprint looks at the assembly only
// and would miss a changed agent bundle.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stage = join(root, 'build', 'jsii');
const packages = join(root, 'build', 'packages');
const bin = (name) => join(root, 'node_modules', '.bin', name);
// jsii tools print a banner on Node versions they no longer test; the supported range is in package.json.
const nodeMajor = process.versions.node.split('.')[0];
const env = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: nodeMajor, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: nodeMajor };
const goDeps = join(root, 'build', 'go-deps');
const GO_DEPENDENCIES = ['cdk8s', 'cdk8s-plus-27'];
const TARGETS = ['js', 'python', 'go'];

const mode = process.argv[2];
if (mode !== 'compile' && mode !== 'package') {
  console.error('usage: node languages/build.mjs compile|package');
  process.exit(2);
}

timed('agent bundle', () => run('node', [join(root, 'agent', 'build.mjs')], root));
timed('stage', stageLibrary);
const inputs = inputsHash();
const marker = join(packages, '.inputs');
if (mode === 'package' && existsSync(marker) && readFileSync(marker, 'utf8') === inputs) {
  console.log(`packages up to date in ${relative(root, packages)}/`);
  process.exit(0);
}
timed('jsii compile', () => run(bin('jsii'), ['--silence-warnings', 'reserved-word'], stage));
if (mode === 'package') {
  timed('cdk8s Go modules', generateGoDependencies);
  rmSync(packages, { recursive: true, force: true });
  for (const dir of readdirSync(join(goDeps, 'go'))) {
    cpSync(join(goDeps, 'go', dir), join(packages, 'go', dir), { recursive: true });
  }
  timed('jsii-pacmak', () => run(bin('jsii-pacmak'), ['--outdir', packages, '--no-npmignore', '--force', '--targets', ...TARGETS], stage));
  timed('jsii-pacmak java (sources)', () => run(bin('jsii-pacmak'),
    ['--outdir', join(packages, 'java-sources'), '--no-npmignore', '--force', '--code-only', '--targets', 'java'], stage));
  for (const dir of readdirSync(join(goDeps, 'go'))) {
    rmSync(join(packages, 'go', dir), { recursive: true });
  }
  writeFileSync(marker, inputs);
  for (const file of listFiles(packages).filter((f) => /\.(whl|tgz|jar)$/.test(f) && !f.endsWith('-sources.jar') && !f.endsWith('-javadoc.jar'))) {
    console.log(`${relative(root, file)}  ${kib(statSync(file).size)}`);
  }
  console.log(`${relative(root, join(packages, 'go'))}/  ${kib(listFiles(join(packages, 'go')).reduce((n, f) => n + statSync(f).size, 0))}`);
}

function generateGoDependencies() {
  const key = [...GO_DEPENDENCIES, 'jsii-pacmak'].map((name) => `${name}@${version(name)}`).join('\n');
  const depsMarker = join(goDeps, '.inputs');
  if (existsSync(depsMarker) && readFileSync(depsMarker, 'utf8') === key) {
    return;
  }
  rmSync(goDeps, { recursive: true, force: true });
  const projects = GO_DEPENDENCIES.map((name) => join(root, 'node_modules', name));
  run(bin('jsii-pacmak'), [...projects, '--outdir', goDeps, '--no-npmignore', '--force', '--targets', 'go'], root);
  writeFileSync(depsMarker, key);
}

function version(name) {
  return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
}

function stageLibrary() {
  rmSync(stage, { recursive: true, force: true });
  const sourcesOnly = (src) => statSync(src).isDirectory() || (src.endsWith('.ts') && !src.endsWith('.d.ts'));
  for (const dir of ['lib', 'imports']) {
    cpSync(join(root, dir), join(stage, dir), { recursive: true, filter: sourcesOnly });
  }
  for (const file of ['tsconfig.jsii.json', 'README.md', 'agent/supervisor.sh', 'agent/Dockerfile', 'build/agent/agent.js']) {
    mkdirSync(dirname(join(stage, file)), { recursive: true });
    cpSync(join(root, file), join(stage, file));
  }
  // No scripts: npm pack (run by jsii-pacmak) would run prepack, whose tsc output would replace jsii's.
  const { scripts: _scripts, ...manifest } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

function inputsHash() {
  const hash = createHash('sha256');
  for (const tool of ['jsii', 'jsii-pacmak', ...GO_DEPENDENCIES]) {
    hash.update(`${tool}@${version(tool)}\n`);
  }
  hash.update(`targets=${TARGETS.join(',')}\n`);
  for (const file of listFiles(stage).sort()) {
    hash.update(`${relative(stage, file)}\n`).update(readFileSync(file));
  }
  return hash.digest('hex');
}

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

function run(command, args, cwd) {
  execFileSync(command, args, { cwd, env, stdio: 'inherit' });
}

function timed(step, fn) {
  const start = performance.now();
  fn();
  console.log(`${step}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
}

function kib(bytes) {
  return `${(bytes / 1024).toFixed(0)} KiB`;
}
