import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';

const ROOT = path.join(__dirname, '..', '..');
const IMPORTS_DIR = path.join(ROOT, 'imports');
const IMPORT_COMMAND = 'CDK8S_CHECK_UPGRADE=false npx cdk8s import';

/** The import specs in cdk8s.yaml ([NAME:=]FILE). */
function importSpecs(): string[] {
  return parse(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8')).imports ?? [];
}

/** Generated sources only: the compiled .js/.d.ts beside them are build output (git-ignored). */
const generatedSources = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort();

describe('imports/', () => {
  test('cdk8s.yaml imports only files vendored in the repository', () => {
    const specs = importSpecs();
    expect(specs.length).toBeGreaterThan(0);
    for (const spec of specs) {
      const file = spec.includes(':=') ? spec.slice(spec.indexOf(':=') + 2) : spec;
      expect(path.isAbsolute(file)).toBe(false);
      const resolved = path.resolve(ROOT, file);
      expect(resolved.startsWith(path.join(ROOT, 'third-party') + path.sep)).toBe(true);
      expect(fs.existsSync(resolved)).toBe(true);
    }
  });

  test('are what cdk8s import makes from cdk8s.yaml, byte for byte', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pgha-imports-'));
    try {
      // The specs come from cdk8s.yaml (cwd); --no-save leaves it untouched. Offline: the files are local.
      execFileSync(path.join(ROOT, 'node_modules', '.bin', 'cdk8s'), ['import', '--no-save', '-o', out], {
        cwd: ROOT,
        env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const fresh = generatedSources(out);
      expect(generatedSources(IMPORTS_DIR)).toEqual(fresh);
      for (const file of fresh) {
        if (fs.readFileSync(path.join(out, file), 'utf8') !== fs.readFileSync(path.join(IMPORTS_DIR, file), 'utf8')) {
          throw new Error(`imports/${file} differs from a fresh import: run ${IMPORT_COMMAND} and review the diff`);
        }
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
