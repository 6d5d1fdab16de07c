// Renders the examples into examples/rendered/, the YAML committed for review:
//   npx ts-node --transpile-only examples/render.ts
// test/construct/examples.test.ts fails when these files differ from a fresh render.
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { addExamples } from './app';

export const RENDERED_DIR = path.join(__dirname, 'rendered');

if (require.main === module) {
  fs.rmSync(RENDERED_DIR, { recursive: true, force: true });
  const app = new App({ outdir: RENDERED_DIR });
  addExamples(app);
  app.synth();
}
