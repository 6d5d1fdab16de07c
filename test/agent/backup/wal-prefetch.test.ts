import { nextSegments, segmentSize } from '../../../agent/backup/wal-prefetch';

describe('the segments recovery asks for next', () => {
  test('follow on the same timeline, into the next log after the last segment of one (16 MiB: 0xFF)', () => {
    expect(nextSegments('0000000200000003000000FE', 16 << 20, 3)).toEqual(['0000000200000003000000FF', '000000020000000400000000', '000000020000000400000001']);
  });

  test('with 1 GiB segments a log holds 4 of them', () => {
    expect(nextSegments('000000010000000000000003', 1 << 30, 1)).toEqual(['000000010000000100000000']);
  });

  test('the size is read from the long page header, and only a whole segment of a valid size counts', () => {
    const segment = Buffer.alloc(1 << 20);
    segment.writeUInt32LE(1 << 20, 32);
    expect(segmentSize(segment)).toBe(1 << 20);
    expect(segmentSize(segment.subarray(0, 8192))).toBeNull();
    segment.writeUInt32LE(3 << 20, 32);
    expect(segmentSize(segment)).toBeNull();
  });
});
