/**
 * WAL positions (XLogRecPtr): a 64-bit byte offset into the WAL stream, written by PostgreSQL as two
 * 32-bit halves in hex, `HI/LO`. A bigint, because positions pass 2^53 on long-lived clusters and the
 * agent does arithmetic on them (lag = primary - standby).
 */
export type Lsn = bigint;

const MAX_LSN = (1n << 64n) - 1n;

// PostgreSQL up to 17 prints the low half unpadded ('0/3000060'); newer releases zero-pad it
// ('0/03000060'). pg_lsn input has always accepted both, and so do we.
const LSN_TEXT = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

/** Parses PostgreSQL's text form of an LSN, e.g. `'0/3000060'` → `0x3000060n`. */
export function parseLsn(text: string): Lsn {
  const match = LSN_TEXT.exec(text);
  if (match === null) {
    throw new Error(`invalid LSN ${JSON.stringify(text)}: expected two hex numbers of up to 8 digits, like '0/3000060'`);
  }
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** Formats an LSN as PostgreSQL 15 to 17 print it: upper-case hex halves, the low one unpadded. */
export function formatLsn(lsn: Lsn): string {
  if (lsn < 0n || lsn > MAX_LSN) {
    throw new Error(`invalid LSN ${lsn}: must be a 64-bit unsigned number`);
  }
  const high = (lsn >> 32n).toString(16).toUpperCase();
  const low = (lsn & 0xffffffffn).toString(16).toUpperCase();
  return `${high}/${low}`;
}
