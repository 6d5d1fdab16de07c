/** Kubernetes' rand.SafeEncodeString alphabet: no vowels (no words) and no look-alike characters. */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function safeEncode(bytes: Uint8Array): string {
  return [...bytes].map((byte) => SAFE_ALPHABET[byte % SAFE_ALPHABET.length]).join('');
}
