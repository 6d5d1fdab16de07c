/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum PostgreSQL puts on every WAL
 * record and on pg_control (pg_crc32c). Node 20 has no built-in CRC-32C, and this runs over whole
 * 16 MB segments, so it uses slicing-by-8: eight 256-entry tables let one loop step consume 8 bytes.
 * Int32Array keeps every intermediate a small integer for V8, which is several times faster than
 * mixing in doubles.
 */
const POLYNOMIAL = 0x82f63b78;
const TABLES = buildTables();
const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES;

/** The register value before any byte (PostgreSQL's INIT_CRC32C). */
export const CRC32C_INIT = 0xffffffff | 0;

/**
 * Feeds `bytes[start..end)` into a running CRC register (COMP_CRC32C); finish with
 * {@link crc32cFinish}. Offsets rather than a subarray, because the WAL reader calls this for every
 * record and a subarray per call costs more than a short record's CRC.
 */
export function crc32cUpdate(register: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = register | 0;
  let i = start;
  const fullBlocksEnd = end - ((end - start) % 8);
  for (; i < fullBlocksEnd; i += 8) {
    crc ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    crc =
      T7[crc & 0xff] ^
      T6[(crc >>> 8) & 0xff] ^
      T5[(crc >>> 16) & 0xff] ^
      T4[crc >>> 24] ^
      T3[bytes[i + 4]] ^
      T2[bytes[i + 5]] ^
      T1[bytes[i + 6]] ^
      T0[bytes[i + 7]];
  }
  for (; i < end; i++) {
    crc = T0[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  }
  return crc;
}

/** The final CRC of a register (FIN_CRC32C), as an unsigned 32-bit number. */
export function crc32cFinish(register: number): number {
  return (register ^ 0xffffffff) >>> 0;
}

/** CRC-32C of one buffer. */
export function crc32c(bytes: Uint8Array): number {
  return crc32cFinish(crc32cUpdate(CRC32C_INIT, bytes));
}

function buildTables(): Int32Array[] {
  const tables = Array.from({ length: 8 }, () => new Int32Array(256));
  for (let n = 0; n < 256; n++) {
    let crc = n;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
    }
    tables[0][n] = crc;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) {
      const previous = tables[k - 1][n];
      tables[k][n] = (previous >>> 8) ^ tables[0][previous & 0xff];
    }
  }
  return tables;
}
