/**
 * Timeline histories: whether a member's WAL lies on the primary's history (it can follow the primary
 * as it is) or forked off it (it holds WAL the primary does not, and needs pg_rewind or a new clone).
 *
 * A promotion to timeline N writes pg_wal/<N as 8 upper-case hex digits>.history, one line per
 * ancestor, oldest first: `<parent timeline>\t<switchpoint LSN>\t<reason>`. The switchpoint is where
 * the parent's WAL ended for this history: the end of the last record the promoted server replayed
 * (the same end-of-record convention as WalEndReader's LSN). The file also reaches standbys, which
 * fetch it from their primary when they follow it onto timeline N.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Lsn, parseLsn } from './lsn';
import { WalPosition } from './wal-end';

export interface TimelineSwitch {
  /** A timeline of the history… */
  readonly timeline: number;
  /** …and the LSN where it ended: WAL past this point on `timeline` is not part of the history. */
  readonly switchpoint: Lsn;
}

/** Parses a history file as PostgreSQL does (readTimeLineHistory): blank lines and `#` comments skipped. */
export function parseHistoryFile(text: string): TimelineSwitch[] {
  const switches: TimelineSwitch[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) {
      return;
    }
    const [timelineText, switchpointText] = line.split(/\s+/);
    const timeline = /^\d+$/.test(timelineText) ? Number(timelineText) : NaN;
    if (!Number.isSafeInteger(timeline) || timeline < 1 || switchpointText === undefined) {
      throw new Error(`timeline history line ${index + 1} is not "<timeline> <switchpoint> <reason>": ${JSON.stringify(rawLine)}`);
    }
    const previous = switches[switches.length - 1];
    if (previous !== undefined && timeline <= previous.timeline) {
      throw new Error(`timeline history line ${index + 1}: timeline ${timeline} does not follow ${previous.timeline}`);
    }
    switches.push({ timeline, switchpoint: parseLsn(switchpointText) });
  });
  return switches;
}

/** The history of `timeline` from `<walDir>/<timeline>.history`; timeline 1 has none. */
export async function readTimelineHistory(walDir: string, timeline: number): Promise<TimelineSwitch[]> {
  if (timeline === 1) {
    return [];
  }
  const name = `${timeline.toString(16).toUpperCase().padStart(8, '0')}.history`;
  const switches = parseHistoryFile(await readFile(join(walDir, name), 'utf8'));
  const last = switches[switches.length - 1];
  if (last === undefined || last.timeline >= timeline) {
    throw new Error(`${name} does not describe the ancestors of timeline ${timeline}`);
  }
  return switches;
}

/**
 * Whether `local` holds WAL that the primary's history does not: its timeline is not the primary's
 * nor one of its ancestors, or it goes past the point where the primary's history left that timeline.
 * A member ending exactly at the switchpoint has nothing extra and can follow the primary as it is.
 *
 * Timeline numbers are trusted to name one history. PostgreSQL picks a promoted server's new timeline
 * as one more than the highest it knows of, so two members promoted independently (without a WAL
 * archive between them) can both call different histories "timeline 2"; keeping promotions one at a
 * time, under the lease, is what makes the number enough.
 */
export function hasForkedOff(local: WalPosition, primaryTimeline: number, primaryHistory: readonly TimelineSwitch[]): boolean {
  if (local.timeline === primaryTimeline) {
    return false;
  }
  const ancestor = primaryHistory.find((entry) => entry.timeline === local.timeline);
  return ancestor === undefined || local.lsn > ancestor.switchpoint;
}


/**
 * Whether every timeline switch in the local history appears, identically, in the primary's. Timeline
 * numbers alone are not enough: a member promoted to timeline 2 that died before anyone followed it, and
 * another member promoted later from timeline 1, both call their different histories "timeline 2".
 * Comparing the switchpoints tells them apart.
 */
export function sharesHistory(localHistory: readonly TimelineSwitch[], primaryHistory: readonly TimelineSwitch[]): boolean {
  return localHistory.every((l) => primaryHistory.some((p) => p.timeline === l.timeline && p.switchpoint === l.switchpoint));
}
