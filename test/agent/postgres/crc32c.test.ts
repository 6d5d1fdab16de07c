import { CRC32C_INIT, crc32c, crc32cFinish, crc32cUpdate } from '../../../agent/postgres/wal/crc32c';

describe('crc32c', () => {
  it('gives the CRC-32C check value of "123456789"', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('gives the same CRC fed in pieces, by offsets, as in one go', () => {
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 31) & 0xff));
    const inPieces = crc32cUpdate(crc32cUpdate(CRC32C_INIT, bytes, 0, 333), bytes, 333, 1000);
    expect(crc32cFinish(inPieces)).toBe(crc32c(bytes));
    expect(crc32cFinish(crc32cUpdate(CRC32C_INIT, bytes, 100, 207))).toBe(crc32c(bytes.subarray(100, 207)));
  });
});
