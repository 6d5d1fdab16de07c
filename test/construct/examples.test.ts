import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { addExamples } from '../../examples/app';
import { RENDERED_DIR } from '../../examples/render';

const RENDER_COMMAND = 'npx ts-node --transpile-only examples/render.ts';

function renderExamples(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgha-examples-'));
  const app = new App({ outdir: dir });
  addExamples(app);
  app.synth();
  return dir;
}

describe('examples', () => {
  const dir = renderExamples();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('render one file per chart: ha-postgres, hot-postgres, sync-postgres and monitored-postgres', () => {
    expect(fs.readdirSync(dir).sort()).toEqual(['ha-postgres.k8s.yaml', 'hot-postgres.k8s.yaml', 'monitored-postgres.k8s.yaml', 'sync-postgres.k8s.yaml']);
  });

  test('match the committed examples/rendered byte for byte', () => {
    const committed = fs.existsSync(RENDERED_DIR) ? fs.readdirSync(RENDERED_DIR).sort() : [];
    const fresh = fs.readdirSync(dir).sort();
    if (committed.join() !== fresh.join()) {
      throw new Error(`examples/rendered holds ${committed.join(', ') || 'nothing'} but the examples render `
        + `${fresh.join(', ')}: run ${RENDER_COMMAND}`);
    }
    for (const file of fresh) {
      const expected = fs.readFileSync(path.join(RENDERED_DIR, file), 'utf8');
      const actual = fs.readFileSync(path.join(dir, file), 'utf8');
      if (actual !== expected) {
        throw new Error(`examples/rendered/${file} differs from a fresh render: run ${RENDER_COMMAND} and review the diff`);
      }
    }
  });
});
