/**
 * PostgreSQL's own reading of a WAL folder, as the oracle for WalEndReader: pg_waldump reads records
 * from a start segment until the WAL ends, and its last record tells where that is.
 */
import { formatLsn, Lsn, parseLsn } from '../../../agent/postgres/lsn';
import { runAsPostgres } from '../../support/pg-fixture';

export interface DumpedRecord {
  readonly start: Lsn;
  /** The end-of-record pointer PostgreSQL would compute (see WalRecord.end). */
  readonly end: Lsn;
  readonly description: string;
}

const RECORD_LINE = /len \(rec\/tot\):\s*\d+\/\s*(\d+), tx:\s*\d+, lsn: ([0-9A-F]+\/[0-9A-F]+), prev [0-9A-F/]+, desc: (.*)$/;

/** The records pg_waldump reads from `startLsn` (the first record at or after it) until the WAL ends. */
export async function dumpRecords(
  walDir: string,
  timeline: number,
  startLsn: Lsn,
  segmentSize = 16 << 20,
  blockSize = 8192,
): Promise<DumpedRecord[]> {
  const output = await runAsPostgres('pg_waldump', ['--path', walDir, '--timeline', String(timeline), '--start', formatLsn(startLsn)], {
    allowFailure: true,
  });
  const records = output.split('\n').flatMap((line) => {
    const match = RECORD_LINE.exec(line);
    if (match === null) {
      return [];
    }
    const [, totalLength, start, description] = match;
    const end = description.startsWith('SWITCH')
      ? roundUp(parseLsn(start) + 1n, BigInt(segmentSize))
      : recordEnd(parseLsn(start), Number(totalLength), segmentSize, blockSize);
    return [{ start: parseLsn(start), end, description }];
  });
  if (records.length === 0) {
    throw new Error(`pg_waldump read no record:\n${output}`);
  }
  return records;
}

/** The last record pg_waldump can read from `startLsn` on. */
export async function lastDumpedRecord(walDir: string, timeline: number, startLsn: Lsn): Promise<DumpedRecord> {
  const records = await dumpRecords(walDir, timeline, startLsn);
  return records[records.length - 1];
}

/** Where a record of `totalLength` bytes starting at `start` ends, page headers on the way included. */
function recordEnd(start: Lsn, totalLength: number, segmentSize: number, blockSize: number): Lsn {
  let position = start;
  let remaining = BigInt(totalLength);
  for (;;) {
    const spaceOnPage = BigInt(blockSize) - (position % BigInt(blockSize));
    if (remaining <= spaceOnPage) {
      return roundUp(position + remaining, 8n);
    }
    remaining -= spaceOnPage;
    position += spaceOnPage;
    position += position % BigInt(segmentSize) === 0n ? 40n : 24n;
  }
}

function roundUp(value: bigint, multiple: bigint): bigint {
  return ((value + multiple - 1n) / multiple) * multiple;
}
