/**
 * Finds what looks like a secret in rendered objects: what a GitOps repository that commits the YAML
 * must never hold. Heuristics, tuned to flag real credentials and keys and nothing this library
 * renders on purpose (names of Secrets, paths, hashes of ConfigMaps, public certificates).
 */
import { gunzipSync } from 'zlib';
import { Manifest } from './helpers';

/** Environment variables named like a credential; they may only take their value from a Secret. */
const SECRET_ENV_NAME = /PASS(WORD|WD)?|TOKEN|API_?KEY|PRIVATE_?KEY|SECRET_?KEY|CREDENTIAL/i;
/** A PEM private key with a body (a regex or a constant in code that names the header is not one). */
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\sA-Za-z0-9+/=:,-]{64,}?-----END [A-Z ]*PRIVATE KEY-----/;
/** Public certificates are long and random, and meant to be shared. */
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\sA-Za-z0-9+/=]*-----END CERTIFICATE-----/g;
/** A password inside a URL (`scheme://user:password@host`) or a libpq connection string. */
const INLINE_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:[^\s@/]+@|\bpassword\s*=\s*[^\s'"$]/i;
/**
 * The agent bundle, gzip-compressed in binaryData: read decompressed. It is code: its identifiers and
 * tables are long and varied, so only the PEM check applies.
 */
const AGENT_BUNDLE_KEY = 'agent.js.gz';

/** Bits per character of the string's own character distribution. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) {
    counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  return [...counts.values()].reduce((sum, count) => {
    const p = count / text.length;
    return sum - p * Math.log2(p);
  }, 0);
}

/**
 * Tokens that look generated rather than written: long base64-like runs mixing upper case, lower case
 * and digits with high entropy (passwords, tokens, keys), or long hexadecimal runs (keys, digests of secrets).
 */
function randomLookingTokens(text: string): string[] {
  const base64 = (text.match(/[A-Za-z0-9+/=_-]{24,}/g) ?? [])
    .filter((token) => /[a-z]/.test(token) && /[A-Z]/.test(token) && /[0-9]/.test(token) && shannonEntropy(token) >= 4);
  const hex = (text.match(/\b[0-9a-fA-F]{40,}\b/g) ?? []).filter((token) => shannonEntropy(token) >= 3);
  return [...base64, ...hex];
}

/** One line per finding: `<Kind> <namespace>/<name> <path>: <what>`. */
export function secretMaterial(manifests: readonly Manifest[]): string[] {
  const findings: string[] = [];
  for (const manifest of manifests) {
    const where = `${manifest.kind} ${manifest.metadata.namespace ?? ''}/${manifest.metadata.name}`;
    if (manifest.kind === 'Secret' && (manifest.data !== undefined || manifest.stringData !== undefined)) {
      findings.push(`${where}: a Secret with data`);
    }
    visit(manifest, '', (path, value, key) => {
      if (key === AGENT_BUNDLE_KEY) {
        if (PEM_PRIVATE_KEY.test(gunzipSync(Buffer.from(value, 'base64')).toString('utf8'))) {
          findings.push(`${where} ${path}: a PEM private key`);
        }
        return;
      }
      if (PEM_PRIVATE_KEY.test(value)) {
        findings.push(`${where} ${path}: a PEM private key`);
      }
      const text = value.replace(PEM_CERTIFICATE, '');
      if (INLINE_PASSWORD.test(text)) {
        findings.push(`${where} ${path}: a password in a URL or connection string`);
      }
      for (const token of randomLookingTokens(text)) {
        findings.push(`${where} ${path}: a random-looking string "${token}"`);
      }
    });
    visitEnv(manifest, (path, env) => {
      if (SECRET_ENV_NAME.test(env.name) && env.value !== undefined) {
        findings.push(`${where} ${path}: ${env.name} has a literal value, not a secretKeyRef`);
      }
    });
  }
  return findings;
}

function visit(value: unknown, path: string, onString: (path: string, value: string, key: string) => void, key = ''): void {
  if (typeof value === 'string') {
    onString(path, value, key);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => visit(item, `${path}[${index}]`, onString, key));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      visit(v, `${path}.${k}`, onString, k);
    }
  }
}

function visitEnv(value: unknown, onEnv: (path: string, env: { name: string; value?: unknown }) => void, path = ''): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => visitEnv(item, onEnv, `${path}[${index}]`));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'env' && Array.isArray(v)) {
        v.forEach((env, index) => onEnv(`${path}.env[${index}]`, env));
      } else {
        visitEnv(v, onEnv, `${path}.${k}`);
      }
    }
  }
}
