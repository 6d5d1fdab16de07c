import { formatLsn, parseLsn } from '../../../agent/postgres/lsn';

describe('parseLsn', () => {
  it.each([
    ['0/3000060', 0x3000060n],
    ['0/0', 0n],
    ['16/B374D848', 0x16b374d848n],
    ['16/b374d848', 0x16b374d848n],
    ['0/03000060', 0x3000060n],
    ['FFFFFFFF/FFFFFFFF', (1n << 64n) - 1n],
  ])('reads %s', (text, lsn) => {
    expect(parseLsn(text)).toBe(lsn);
  });

  it.each(['', '3000060', '0/', '/0', '0/3000060 ', '0/123456789', 'G/0', '-1/0', '0x0/1'])('fails %p', (text) => {
    expect(() => parseLsn(text)).toThrow(`invalid LSN ${JSON.stringify(text)}: expected two hex numbers of up to 8 digits, like '0/3000060'`);
  });
});

describe('formatLsn', () => {
  it('prints upper-case hex halves, the low one unpadded, as PostgreSQL 15 does', () => {
    expect(formatLsn(0x3000060n)).toBe('0/3000060');
    expect(formatLsn(0x16b374d848n)).toBe('16/B374D848');
    expect(formatLsn(0n)).toBe('0/0');
  });

  it('round-trips with parseLsn', () => {
    for (const lsn of [1n, 0xffffffffn, 0x100000000n, (1n << 64n) - 1n]) {
      expect(parseLsn(formatLsn(lsn))).toBe(lsn);
    }
  });

  it('fails what does not fit 64 unsigned bits', () => {
    expect(() => formatLsn(-1n)).toThrow('invalid LSN -1: must be a 64-bit unsigned number');
    expect(() => formatLsn(1n << 64n)).toThrow('invalid LSN 18446744073709551616: must be a 64-bit unsigned number');
  });
});
