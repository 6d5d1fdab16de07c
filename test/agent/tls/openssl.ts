/** OpenSSL's own reading of certificates, for tests: what a libpq client (built on OpenSSL) would see. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `openssl x509 -text -noout` of a PEM certificate. */
export function opensslText(pem: string): string {
  return execFileSync('openssl', ['x509', '-text', '-noout'], { input: pem, encoding: 'utf8' });
}

/** `openssl verify -x509_strict -purpose sslserver` of `leaf` (with intermediates) against `ca`; the output, and whether it passed. */
export function opensslVerify(ca: string, leaf: string, options: { hostname?: string; untrusted?: string } = {}): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pgha-verify-'));
  try {
    writeFileSync(join(dir, 'ca.crt'), ca);
    writeFileSync(join(dir, 'leaf.crt'), leaf);
    const args = ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', join(dir, 'ca.crt')];
    if (options.untrusted) {
      writeFileSync(join(dir, 'untrusted.crt'), options.untrusted);
      args.push('-untrusted', join(dir, 'untrusted.crt'));
    }
    if (options.hostname) args.push('-verify_hostname', options.hostname);
    const result = spawnSync('openssl', [...args, join(dir, 'leaf.crt')], { encoding: 'utf8' });
    return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
