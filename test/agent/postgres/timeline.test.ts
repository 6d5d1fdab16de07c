import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasForkedOff, parseHistoryFile, readTimelineHistory, sharesHistory, TimelineSwitch } from '../../../agent/postgres/timeline';

describe('parseHistoryFile', () => {
  it('reads one switch per line, skipping blank lines and comments, as PostgreSQL writes them', () => {
    const text = '1\t0/3000158\tno recovery target specified\n\n# a comment\n2\t0/5000000\tbefore 2026-11-26 02:00:00+00\n';
    expect(parseHistoryFile(text)).toEqual([
      { timeline: 1, switchpoint: 0x3000158n },
      { timeline: 2, switchpoint: 0x5000000n },
    ]);
  });

  it('reads a history that skips timelines (abandoned promotions)', () => {
    expect(parseHistoryFile('1\t0/3000158\tx\n3\t0/7000000\ty\n').map((entry) => entry.timeline)).toEqual([1, 3]);
  });

  it('fails a line without a numeric timeline and a switchpoint', () => {
    expect(() => parseHistoryFile('1\t0/3000158\tok\nx\t0/5000000\tbad\n')).toThrow(
      'timeline history line 2 is not "<timeline> <switchpoint> <reason>": "x\\t0/5000000\\tbad"',
    );
    expect(() => parseHistoryFile('1\n')).toThrow('timeline history line 1 is not "<timeline> <switchpoint> <reason>": "1"');
  });

  it('fails timelines that do not increase', () => {
    expect(() => parseHistoryFile('2\t0/3000158\ta\n1\t0/5000000\tb\n')).toThrow('timeline history line 2: timeline 1 does not follow 2');
  });

  it('fails a switchpoint that is not an LSN', () => {
    expect(() => parseHistoryFile('1\t3000158\ta\n')).toThrow('invalid LSN "3000158"');
  });
});

describe('readTimelineHistory', () => {
  let walDir: string;

  beforeEach(async () => {
    walDir = await mkdtemp(join(tmpdir(), 'pgha-history-'));
  });

  afterEach(async () => {
    await rm(walDir, { recursive: true, force: true });
  });

  it('has no history for timeline 1, the one initdb starts', async () => {
    expect(await readTimelineHistory(walDir, 1)).toEqual([]);
  });

  it('reads <timeline as 8 upper-case hex digits>.history', async () => {
    await writeFile(join(walDir, '0000000A.history'), '1\t0/3000158\ta\n9\t0/9000000\tb\n');
    expect(await readTimelineHistory(walDir, 10)).toEqual([
      { timeline: 1, switchpoint: 0x3000158n },
      { timeline: 9, switchpoint: 0x9000000n },
    ]);
  });

  it('fails when the history file is missing', async () => {
    await expect(readTimelineHistory(walDir, 2)).rejects.toThrow(`ENOENT: no such file or directory, open '${join(walDir, '00000002.history')}'`);
  });

  it('fails a history file that does not end before its own timeline', async () => {
    await writeFile(join(walDir, '00000002.history'), '1\t0/3000158\ta\n2\t0/4000000\tb\n');
    await expect(readTimelineHistory(walDir, 2)).rejects.toThrow('00000002.history does not describe the ancestors of timeline 2');
  });
});

describe('hasForkedOff', () => {
  // The primary is on timeline 3: timeline 1 ended at 0/3000158, timeline 2 at 0/5000000.
  const primaryHistory: TimelineSwitch[] = [
    { timeline: 1, switchpoint: 0x3000158n },
    { timeline: 2, switchpoint: 0x5000000n },
  ];

  it.each([
    ['on the primary timeline', 3, 0x9000000n, false],
    ['on an ancestor, before its switchpoint', 2, 0x4000000n, false],
    ['on an ancestor, exactly at its switchpoint', 2, 0x5000000n, false],
    ['on an ancestor, past its switchpoint', 2, 0x5000008n, true],
    ['on an older ancestor, past its switchpoint but before the next one', 1, 0x4000000n, true],
    ['on a timeline that is not an ancestor', 4, 0x3000000n, true],
    ['on a sibling timeline the history skipped', 5, 0x1000000n, true],
  ])('a member %s: forked = %p', (_case, timeline, lsn, forked) => {
    expect(hasForkedOff({ timeline, lsn }, 3, primaryHistory)).toBe(forked);
  });
});

describe('sharesHistory', () => {
  const primary = [{ timeline: 1, switchpoint: 0x3000000n }, { timeline: 2, switchpoint: 0x5000000n }];
  it('accepts a local history the primary recorded identically', () => {
    expect(sharesHistory([{ timeline: 1, switchpoint: 0x3000000n }], primary)).toBe(true);
    expect(sharesHistory([], primary)).toBe(true);
  });
  it('rejects a timeline the primary left at another switchpoint', () => {
    expect(sharesHistory([{ timeline: 1, switchpoint: 0x2000000n }], primary)).toBe(false);
  });
  it('rejects a timeline the primary never had', () => {
    expect(sharesHistory([{ timeline: 1, switchpoint: 0x3000000n }, { timeline: 3, switchpoint: 0x6000000n }], primary)).toBe(false);
  });
});
