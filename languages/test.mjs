// Proves the jsii packages render the same YAML as TypeScript: builds them (languages/build.mjs package,
// skipped when nothing changed), renders the seed's two examples from a Python app (the wheel, with cdk8s
// from PyPI, in a venv), a Go app (the generated module by a replace directive) and a Java app (the jar
// from a file repository, run by Maven), and compares every file byte for byte with examples/rendered/,
// the TypeScript render the construct tests keep current.
// Python also runs PodSecurity.check() with a rule written in Python (languages/python/check_pods.py):
// structs and a behavioural interface across the jsii boundary, both ways.
//
//   node languages/test.mjs        (npm run test:languages)
//
// Work files go to build/languages/; the venv stays there between runs (pip only checks it then).
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run as runStep, timed } from './steps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, 'build', 'languages');
const rendered = join(root, 'examples', 'rendered');
const EXAMPLES = ['ha-postgres.k8s.yaml', 'hot-postgres.k8s.yaml'];
const nodeMajor = process.versions.node.split('.')[0];
const env = {
  ...process.env,
  // The jsii runtime (inside each language's package) prints a banner on Node versions it no longer tests.
  JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: nodeMajor,
  JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: nodeMajor,
  PATH: existsSync('/usr/local/go/bin') ? `/usr/local/go/bin:${process.env.PATH}` : process.env.PATH,
};

timed('packages', () => run('node', [join(root, 'languages', 'build.mjs'), 'package'], root));

const venv = join(work, 'python-venv');
const python = join(venv, 'bin', 'python');
timed('python venv', () => {
  if (!existsSync(python)) run('python3', ['-m', 'venv', venv], root);
  run(python, ['-m', 'pip', 'install', '--quiet', '-r', join(root, 'languages', 'python', 'requirements.txt')], root);
  const wheel = readdirSync(join(root, 'build', 'packages', 'python')).find((f) => f.endsWith('.whl'));
  run(python, ['-m', 'pip', 'install', '--quiet', '--no-deps', '--force-reinstall', join(root, 'build', 'packages', 'python', wheel)], root);
});
const pythonOut = join(work, 'python', 'out');
timed('python render', () => render(pythonOut, python, [join(root, 'languages', 'python', 'app.py'), pythonOut], root));

let podCheck = [];
timed('python pod security check', () => {
  try {
    run(python, [join(root, 'languages', 'python', 'check_pods.py')], join(root, 'languages', 'python'));
  } catch {
    podCheck = ['python: check_pods.py did not find what it expected (see above)'];
  }
});

const goOut = join(work, 'go', 'out');
timed('go render', () => render(goOut, 'go', ['run', '.', goOut], join(root, 'languages', 'go')));

const javaOut = join(work, 'java', 'out');
// Maven copies a release from a file repository into the user's repository once and never again: drop
// that copy, so the app runs the jar just built and not the first one ever built on this machine.
rmSync(join(homedir(), '.m2', 'repository', 'io', 'github', 'cdk8s-postgres-ha'), { recursive: true, force: true });
timed('java render', () => render(javaOut, 'mvn', ['--quiet', '--batch-mode', '-Dstyle.color=never', 'compile', 'exec:java', `-Dexec.args=${javaOut}`],
  join(root, 'languages', 'java')));

const failures = [...compare('python', pythonOut), ...podCheck, ...compare('go', goOut), ...compare('java', javaOut)];
for (const failure of failures) console.error(failure);
console.log(`${EXAMPLES.length * 3 + 1 - failures.length} passed, ${failures.length} failed`);
process.exit(failures.length === 0 ? 0 : 1);

function render(outdir, command, args, cwd) {
  rmSync(outdir, { recursive: true, force: true });
  run(command, args, cwd);
}

/** One message per example the app did not render byte for byte as TypeScript did (or per extra file). */
function compare(language, outdir) {
  const files = existsSync(outdir) ? readdirSync(outdir) : [];
  const extra = files.filter((f) => !EXAMPLES.includes(f)).map((f) => `${language}: rendered ${f}, which TypeScript does not`);
  return [...extra, ...EXAMPLES.flatMap((name) => {
    const expected = readFileSync(join(rendered, name));
    if (!files.includes(name)) return [`${language}: ${name} was not rendered`];
    const actual = readFileSync(join(outdir, name));
    if (actual.equals(expected)) {
      console.log(`${language}: ${name} is byte-identical to ${relative(root, join(rendered, name))}`);
      return [];
    }
    const expectedLines = expected.toString('utf8').split('\n');
    const actualLines = actual.toString('utf8').split('\n');
    const line = expectedLines.findIndex((l, i) => l !== actualLines[i]);
    return [`${language}: ${name} differs from examples/rendered at line ${line + 1}:\n`
      + `  typescript: ${JSON.stringify(expectedLines[line])}\n  ${language}: ${JSON.stringify(actualLines[line])}\n`
      + `  (diff ${relative(root, join(outdir, name))} ${relative(root, join(rendered, name))})`];
  })];
}

function run(command, args, cwd) {
  runStep(command, args, cwd, env);
}
