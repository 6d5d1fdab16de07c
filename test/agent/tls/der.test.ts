import { execFileSync } from 'node:child_process';
import { boolean, children, explicit, ia5, implicit, integer, namedBits, octetString, oid, readElement, sequence, set, time, tlv, utf8String } from '../../../agent/tls/der';

const hex = (b: Buffer) => b.toString('hex');

describe('DER encoding', () => {
  it('writes short lengths in one byte and long ones in the long form', () => {
    expect(hex(tlv(0x04, Buffer.alloc(127))).slice(0, 4)).toBe('047f');
    expect(hex(tlv(0x04, Buffer.alloc(128))).slice(0, 6)).toBe('048180');
    expect(hex(tlv(0x04, Buffer.alloc(256))).slice(0, 8)).toBe('04820100');
    expect(hex(tlv(0x04, Buffer.alloc(65536))).slice(0, 10)).toBe('0483010000');
  });

  it('writes integers minimally, with a zero byte before a high bit', () => {
    expect(hex(integer(0))).toBe('020100');
    expect(hex(integer(2))).toBe('020102');
    expect(hex(integer(127))).toBe('02017f');
    expect(hex(integer(128))).toBe('02020080');
    expect(hex(integer(256))).toBe('02020100');
    expect(hex(integer(Buffer.from([0, 0, 0x12, 0x34])))).toBe('02021234');
    expect(hex(integer(Buffer.from([0xff, 0x01])))).toBe('020300ff01');
    expect(() => integer(-1)).toThrow('non-negative');
  });

  it('writes object identifiers with the first two arcs in one byte and base-128 arcs', () => {
    expect(hex(oid('2.5.29.17'))).toBe('0603551d11');
    expect(hex(oid('1.2.840.10045.4.3.2'))).toBe('06082a8648ce3d040302');
    expect(hex(oid('1.3.6.1.5.5.7.3.1'))).toBe('06082b06010505070301');
    expect(() => oid('1.40')).toThrow('not an object identifier');
    expect(() => oid('3.1')).toThrow('not an object identifier');
  });

  it('writes UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280)', () => {
    expect(time(new Date('2049-12-31T23:59:59.900Z')).toString('latin1')).toBe('\x17\x0d491231235959Z');
    expect(time(new Date('2050-01-01T00:00:00Z')).toString('latin1')).toBe('\x18\x0f20500101000000Z');
  });

  it('writes named bit strings without trailing zero bits', () => {
    expect(hex(namedBits([0]))).toBe('03020780'); // digitalSignature
    expect(hex(namedBits([5, 6]))).toBe('03020106'); // keyCertSign, cRLSign
    expect(hex(namedBits([0, 8]))).toBe('0303078080');
  });

  it('writes booleans as 00 and ff, and context tags explicit (constructed) or implicit (primitive)', () => {
    expect(hex(boolean(true))).toBe('0101ff');
    expect(hex(boolean(false))).toBe('010100');
    expect(hex(explicit(3, integer(1)))).toBe('a303020101');
    expect(hex(implicit(2, ia5('pg')))).toBe('82027067');
    expect(() => ia5('pä')).toThrow('not an IA5 string');
  });

  it('reads back what it wrote, element by element', () => {
    const der = sequence(integer(300), set(utf8String('x')), octetString(Buffer.alloc(200, 1)));
    const parts = children(readElement(der));
    expect(parts.map((p) => p.tag)).toEqual([0x02, 0x31, 0x04]);
    expect(hex(parts[0].content)).toBe('012c');
    expect(parts[2].content.length).toBe(200);
    expect(() => readElement(der.subarray(0, der.length - 1))).toThrow('malformed DER');
  });

  it('writes what OpenSSL parses', () => {
    const der = sequence(oid('2.5.4.3'), utf8String('pg CA'), boolean(true), integer(65537), time(new Date('2030-01-02T03:04:05Z')));
    const parsed = execFileSync('openssl', ['asn1parse', '-inform', 'DER'], { input: der, encoding: 'utf8' });
    expect(parsed).toContain(':commonName');
    expect(parsed).toContain(':pg CA');
    expect(parsed).toContain(':010001');
    expect(parsed).toContain('UTCTIME           :300102030405Z');
  });
});
