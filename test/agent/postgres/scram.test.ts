import { createHash, createHmac } from 'node:crypto';
import { scramVerifier } from '../../../agent/postgres/scram';

const VERIFIER = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;

describe('scramVerifier', () => {
  it('proves the RFC 7677 example exchange, as a server holding it would check it', () => {
    // RFC 7677 section 3: user "user", password "pencil".
    const verifier = scramVerifier('pencil', { salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), iterations: 4096 });
    const [, , , storedKey, serverKey] = VERIFIER.exec(verifier)!;
    const authMessage =
      'n=user,r=rOprNGfwEbeRWgbNEkqO,' +
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,' +
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    const clientProof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');

    const clientSignature = createHmac('sha256', Buffer.from(storedKey, 'base64')).update(authMessage).digest();
    const clientKey = Buffer.from(clientProof.map((byte, i) => byte ^ clientSignature[i]));
    const serverSignature = createHmac('sha256', Buffer.from(serverKey, 'base64')).update(authMessage).digest('base64');

    expect(createHash('sha256').update(clientKey).digest('base64')).toBe(storedKey);
    expect(serverSignature).toBe('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  });

  it("uses PostgreSQL's defaults: a random 16-byte salt and 4096 iterations", () => {
    const [, iterations, salt] = VERIFIER.exec(scramVerifier('secret'))!;
    expect(iterations).toBe('4096');
    expect(Buffer.from(salt, 'base64')).toHaveLength(16);
    expect(scramVerifier('secret')).not.toBe(scramVerifier('secret'));
  });

  it('is the same for the same password, salt and iterations', () => {
    const options = { salt: Buffer.from('0123456789abcdef'), iterations: 10 };
    expect(scramVerifier('secret', options)).toBe(scramVerifier('secret', options));
    expect(scramVerifier('secret', options)).toMatch(/^SCRAM-SHA-256\$10:MDEyMzQ1Njc4OWFiY2RlZg==\$/);
  });

  it.each([
    ['non-ASCII', 'pässword'],
    ['a control character', 'secret\n'],
    ['empty', ''],
  ])('refuses a password that is %s', (_case, password) => {
    expect(() => scramVerifier(password)).toThrow(
      'password must be non-empty printable ASCII (characters 0x20 to 0x7E): other characters are normalised ' +
        'differently by PostgreSQL and its clients, so a verifier made from them may not let you log in',
    );
  });

  it('refuses an empty salt and iterations below 1', () => {
    expect(() => scramVerifier('secret', { salt: Buffer.alloc(0) })).toThrow('salt must not be empty');
    expect(() => scramVerifier('secret', { iterations: 0 })).toThrow('iterations must be a whole number of at least 1, got 0');
    expect(() => scramVerifier('secret', { iterations: 1.5 })).toThrow('iterations must be a whole number of at least 1, got 1.5');
  });
});
