import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import type { Manifest } from './helpers';

/** Checks a PodMonitor against the vendored CRD's schema (third-party/crds/, the file imports/ is generated from). */
export function validatePodMonitor(manifest: Manifest): void {
  const crd = parse(readFileSync(join(__dirname, '../../third-party/crds/prometheus-podmonitors.yaml'), 'utf8'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Ajv = require('ajv');
  const check = new Ajv({ strict: false, validateFormats: false, allErrors: true }).compile(crd.spec.versions[0].schema.openAPIV3Schema);
  if (!check(manifest)) throw new Error(`PodMonitor does not match the CRD: ${JSON.stringify(check.errors)}`);
}
