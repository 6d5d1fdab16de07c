// Just enough ASN.1 DER (ITU-T X.690) to write an X.509 certificate and to find the parts of a DER
// structure it reuses (the public key inside a SubjectPublicKeyInfo). Node's crypto generates keys and
// signs, but has no certificate builder; a general ASN.1 library would cost the bundle tens of kilobytes
// for the dozen encodings used here.

/** Tag, length, value. Lengths over 127 take the long form, as DER requires. */
export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));

/** A SET OF with one element (an X.501 RelativeDistinguishedName here): DER's sorting is moot. */
export const set = (item: Buffer): Buffer => tlv(0x31, item);

/** DER booleans are 0x00 or 0xff. */
export const boolean = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));

/** A non-negative INTEGER from its big-endian magnitude (or a small number): minimal, with a 0x00 before a high bit. */
export function integer(value: Buffer | number): Buffer {
  let bytes = typeof value === 'number' ? numberBytes(value) : value;
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  bytes = bytes.subarray(start);
  if (bytes.length === 0) bytes = Buffer.from([0]);
  return tlv(0x02, bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function numberBytes(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`DER integer must be a non-negative safe integer, got ${value}`);
  const bytes: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from(bytes);
}

/** An OBJECT IDENTIFIER from its dotted form: the first two arcs share a byte, the rest are base-128. */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0) || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39)) {
    throw new Error(`not an object identifier: ${dotted}`);
  }
  const bytes: number[] = [];
  for (const arc of [arcs[0] * 40 + arcs[1], ...arcs.slice(2)]) {
    const groups: number[] = [arc % 128];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) groups.unshift(0x80 | rest % 128);
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}

export const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));

/** IA5String content (ASCII), for implicit tagging as a GeneralName's dNSName. */
export function ia5(text: string): Buffer {
  if (!/^[\x20-\x7e]*$/.test(text)) throw new Error(`not an IA5 string: ${JSON.stringify(text)}`);
  return Buffer.from(text, 'ascii');
}

export const octetString = (content: Buffer): Buffer => tlv(0x04, content);

/** A BIT STRING of whole bytes (keys, signatures). */
export const bitString = (content: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), content]));

/**
 * A named-bit BIT STRING (KeyUsage): bit 0 is the most significant bit of the first byte, and DER drops
 * trailing zero bits.
 */
export function namedBits(bits: readonly number[]): Buffer {
  const length = Math.max(...bits) + 1;
  const bytes = Buffer.alloc(Math.ceil(length / 8));
  for (const bit of bits) bytes[bit >> 3] |= 0x80 >> (bit & 7);
  return tlv(0x03, Buffer.concat([Buffer.from([bytes.length * 8 - length]), bytes]));
}

/**
 * RFC 5280 section 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, both in UTC to the second
 * with a Z.
 */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-11-26T02:50:58.123Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 9999) throw new Error(`certificate time out of range: ${iso}`);
  return year < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii')) : tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}

/** [n] EXPLICIT: a constructed context-specific tag around a complete encoding. */
export const explicit = (n: number, encoding: Buffer): Buffer => tlv(0xa0 | n, encoding);

/** [n] IMPLICIT of a primitive type: the type's content under a context-specific tag. */
export const implicit = (n: number, content: Buffer): Buffer => tlv(0x80 | n, content);

/** One element of a DER encoding, located in the buffer it was read from. */
export interface Element {
  readonly tag: number;
  /** The whole element: tag, length and content. */
  readonly encoding: Buffer;
  readonly content: Buffer;
}

/** Reads the element that starts at `offset`. Only definite lengths exist in DER. */
export function readElement(der: Buffer, offset = 0): Element {
  const fail = (why: string) => new Error(`malformed DER at byte ${offset}: ${why}`);
  if (offset + 2 > der.length) throw fail('truncated');
  const tag = der[offset];
  let length = der[offset + 1];
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || offset + 2 + count > der.length) throw fail('bad length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[offset + 2 + i];
    header += count;
  }
  const end = offset + header + length;
  if (end > der.length) throw fail('truncated');
  return { tag, encoding: der.subarray(offset, end), content: der.subarray(offset + header, end) };
}

/** The elements inside a constructed element (a SEQUENCE), in order. */
export function children(element: Element): Element[] {
  const items: Element[] = [];
  for (let offset = 0; offset < element.content.length; ) {
    const item = readElement(element.content, offset);
    items.push(item);
    offset += item.encoding.length;
  }
  return items;
}
