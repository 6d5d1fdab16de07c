/**
 * SCRAM-SHA-256 verifiers (RFC 5802, RFC 7677) in the form PostgreSQL stores in pg_authid:
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, all base64. The agent sets passwords
 * with `ALTER ROLE ... PASSWORD '<verifier>'`, which PostgreSQL stores as given, so the plaintext never
 * reaches the server, its logs or pg_stat_statements.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/** PostgreSQL's defaults (SCRAM_DEFAULT_SALT_LEN; scram_iterations, which 16+ let you change). */
const DEFAULT_SALT_LENGTH = 16;
const DEFAULT_ITERATIONS = 4096;

/**
 * Passwords are limited to printable ASCII. Both sides normalise the password with SASLprep
 * (RFC 4013) before hashing, which for printable ASCII changes nothing; for other characters it maps,
 * rejects or passes them through depending on the implementation (PostgreSQL falls back to the raw
 * bytes, node-postgres does no SASLprep at all), and a verifier that one client can log in with and
 * another cannot is worse than a clear refusal. Control characters are refused as well: a stray
 * newline from a Secret would otherwise become part of the password.
 */
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

export function scramVerifier(password: string, options: { salt?: Buffer; iterations?: number } = {}): string {
  if (!PRINTABLE_ASCII.test(password)) {
    throw new Error(
      'password must be non-empty printable ASCII (characters 0x20 to 0x7E): other characters are normalised ' +
        'differently by PostgreSQL and its clients, so a verifier made from them may not let you log in',
    );
  }
  const salt = options.salt ?? randomBytes(DEFAULT_SALT_LENGTH);
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  if (salt.length === 0) {
    throw new Error('salt must not be empty');
  }
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    throw new Error(`iterations must be a whole number of at least 1, got ${iterations}`);
  }
  const saltedPassword = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = hmac(saltedPassword, 'Client Key');
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = hmac(saltedPassword, 'Server Key');
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest();
}
