// When the data volume counts as full: less room than one WAL segment, which PostgreSQL creates whole.
import { volumeFull, WAL_SEGMENT_BYTES } from '../../../agent/core/volume-space';

const SIZE = 384 * 1024 * 1024;

it('says the volume is full, with its free space and what to do, below one WAL segment', () => {
  expect(volumeFull({ availableBytes: WAL_SEGMENT_BYTES - 1, sizeBytes: SIZE })).toBe(
    'the data volume is full (16.0 MiB free of 384.0 MiB, less than one 16 MiB WAL segment): PostgreSQL cannot write its WAL ("No space left on device"); grow the volume (storageSize) or free space on it',
  );
});

it('has room from one WAL segment up', () => {
  expect(volumeFull({ availableBytes: WAL_SEGMENT_BYTES, sizeBytes: SIZE })).toBeNull();
});

it('says nothing when the volume could not be read', () => {
  expect(volumeFull(null)).toBeNull();
});
