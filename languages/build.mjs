// Builds the library for every cdk8s language with jsii:
//   node languages/build.mjs compile   jsii compile only (checks the public API is expressible in every language)
//   node languages/build.mjs package   compile, then jsii-pacmak: Python wheel, Go module, Java jar, npm tarball
//
// The library is staged into build/jsii/ (lib/ and imports/ sources, the agent bundle, the supervisor,
// package.json without its scripts) and compiled there, so the checkout never holds compiled .js next to
// its .ts (jest and ts-node would load those instead) and `tsc --noEmit -p .` is not involved. Packages
// land in build/packages/{js,python,go,java}. Each embeds the npm tarball of the staged folder, whose
// files list carries build/agent/agent.js.gz and agent/supervisor.sh at the paths lib/agent-bundle.ts reads
// them from, so every language renders the same bytes.
//
// The registries reachable here do not serve the cdk8s packages for Go (the module proxy answers "not
// available" for cdk8s-core-go/cdk8s/v2 and cdk8s-plus-go/cdk8splus27/v2) nor for Java (Maven Central
// lacks org.cdk8s:cdk8s 2.70.106 and org.cdk8s:cdk8s-plus-27), so they are generated the way cdk8s
// releases them, with jsii-pacmak from the npm packages we depend on. That takes minutes, so the result is
// kept in the machine's build cache (the one e2e/cluster uses), keyed by versions, and linked as
// build/jsii-deps/{go,java}: our own jsii-pacmak run finds them through a copy beside its output, and the
// apps in languages/ point at them (go.mod replace, pom.xml repository). constructs and the jsii runtime
// come from the registries.
//
// A package run is skipped when the staged inputs, the tool and dependency versions are those of the last
// successful run (build/packages/.inputs): jsii-pacmak's own fingerprint looks at the assembly only and
// would miss a changed agent bundle.
import { createHash } from 'node:crypto';
import {
  cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run as runStep, timed } from './steps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stage = join(root, 'build', 'jsii');
const packages = join(root, 'build', 'packages');
const deps = join(root, 'build', 'jsii-deps');
const cache = join(process.env.PGHA_E2E_CACHE ?? '/var/cache/cdk8s-postgres-ha', 'jsii-deps');
const bin = (name) => join(root, 'node_modules', '.bin', name);
// jsii tools print a banner on Node versions they no longer test; the supported range is in package.json.
const nodeMajor = process.versions.node.split('.')[0];
const env = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: nodeMajor, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: nodeMajor };
const TARGETS = ['js', 'python', 'go', 'java'];
const DEPENDENCY_TARGETS = ['go', 'java'];
const DEPENDENCIES = ['cdk8s', 'cdk8s-plus-27'];
// Maven keeps its plugins and the jsii runtime in the user's repository between runs (jsii-pacmak would use
// a fresh one per build and download them every time).
const mavenRepository = join(homedir(), '.m2', 'repository');

const mode = process.argv[2];
if (mode !== 'compile' && mode !== 'package') {
  console.error('usage: node languages/build.mjs compile|package');
  process.exit(2);
}

timed('agent bundle', () => run('node', [join(root, 'agent', 'build.mjs')], root));
timed('stage', stageLibrary);
if (mode === 'compile') {
  timed('jsii compile', compile);
  process.exit(0);
}
timed('cdk8s Go and Java packages', linkDependencies);
const inputs = inputsHash();
const marker = join(packages, '.inputs');
if (existsSync(marker) && readFileSync(marker, 'utf8') === inputs) {
  console.log(`packages up to date in ${relative(root, packages)}/`);
  process.exit(0);
}
timed('jsii compile', compile);
rmSync(packages, { recursive: true, force: true });
// Beside our output, where jsii-pacmak looks for local modules (Go) and repositories (Java).
cpSync(deps, packages, { recursive: true, dereference: true });
timed('jsii-pacmak', () => run(bin('jsii-pacmak'),
  ['--outdir', packages, '--no-npmignore', '--force', '--maven-local-repository', mavenRepository, '--targets', ...TARGETS], stage));
rmSync(join(packages, 'java', 'org', 'cdk8s'), { recursive: true });
for (const dir of readdirSync(join(deps, 'go'))) rmSync(join(packages, 'go', dir), { recursive: true });
writeFileSync(marker, inputs);
for (const file of listFiles(packages).filter((f) => /(\.whl|\.tgz|[0-9]\.jar)$/.test(f) && !f.includes('/go/'))) {
  console.log(`${relative(root, file)}  ${kib(statSync(file).size)}`);
}
console.log(`${relative(root, join(packages, 'go'))}/  ${kib(listFiles(join(packages, 'go')).reduce((n, f) => n + statSync(f).size, 0))}`);

function compile() {
  run(bin('jsii'), ['--silence-warnings', 'reserved-word'], stage);
}

function linkDependencies() {
  const key = [...DEPENDENCIES, 'jsii-pacmak'].map((name) => `${name}@${version(name)}`).concat(DEPENDENCY_TARGETS).join(' ');
  const dir = join(cache, createHash('sha256').update(key).digest('hex').slice(0, 16));
  if (!existsSync(dir)) {
    const partial = `${dir}.partial`;
    rmSync(partial, { recursive: true, force: true });
    const projects = DEPENDENCIES.map((name) => join(root, 'node_modules', name));
    run(bin('jsii-pacmak'), [...projects, '--outdir', partial, '--no-npmignore', '--force',
      '--maven-local-repository', mavenRepository, '--targets', ...DEPENDENCY_TARGETS], root);
    writeFileSync(join(partial, 'KEY'), `${key}\n`);
    renameSync(partial, dir);
  }
  rmSync(deps, { recursive: true, force: true });
  symlinkSync(dir, deps);
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
  // The package's own files list (build/agent/agent.js.gz, agent/wal.sh, …) less its globs, which are
  // the compiled lib and imports jsii builds here: the packages then carry what the npm package does.
  const { files } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const packaged = files.filter((file) => !file.includes('*') && file !== '.jsii');
  for (const file of ['tsconfig.jsii.json', ...packaged]) {
    mkdirSync(dirname(join(stage, file)), { recursive: true });
    cpSync(join(root, file), join(stage, file));
  }
  // No scripts: npm pack (run by jsii-pacmak) would run prepack, whose tsc output would replace jsii's.
  const { scripts: _scripts, ...manifest } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

function inputsHash() {
  const hash = createHash('sha256');
  for (const tool of ['jsii', 'jsii-pacmak', ...DEPENDENCIES]) {
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
  runStep(command, args, cwd, env);
}

function kib(bytes) {
  return `${(bytes / 1024).toFixed(0)} KiB`;
}
