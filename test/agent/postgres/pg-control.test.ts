import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseControlFile, readControlData } from '../../../agent/postgres/pg-control';
import { crc32c } from '../../../agent/postgres/wal/crc32c';

interface ControlFields {
  readonly controlVersion?: number;
  readonly state?: number;
  /** Where the CRC goes: 288 in PostgreSQL 15; later majors add fields before it. */
  readonly crcOffset?: number;
}

/** A pg_control file as PostgreSQL writes it: 8192 bytes, the data, its CRC, zeros. */
function controlFile({ controlVersion = 1300, state = 6, crcOffset = 288 }: ControlFields = {}): Buffer {
  const buffer = Buffer.alloc(8192);
  buffer.writeBigUInt64LE(7712294602233379463n, 0);
  buffer.writeUInt32LE(controlVersion, 8);
  buffer.writeUInt32LE(202209061, 12);
  buffer.writeUInt32LE(state, 16);
  buffer.writeBigInt64LE(1_790_000_000n, 24);
  buffer.writeBigUInt64LE(0x2000060n, 32);
  buffer.writeBigUInt64LE(0x2000028n, 40);
  buffer.writeUInt32LE(3, 48);
  buffer.writeUInt32LE(2, 52);
  buffer.fill(0x5a, 56, crcOffset);
  buffer.writeUInt32LE(crc32c(buffer.subarray(0, crcOffset)), crcOffset);
  return buffer;
}

describe('parseControlFile', () => {
  it('reads the system identifier, state, latest checkpoint, its redo location and timeline', () => {
    expect(parseControlFile(controlFile())).toEqual({
      systemIdentifier: '7712294602233379463',
      state: 'in production',
      checkpointLsn: 0x2000060n,
      checkpointRedoLsn: 0x2000028n,
      checkpointTimeline: 3,
    });
  });

  it.each([
    [0, 'starting up'],
    [1, 'shut down'],
    [2, 'shut down in recovery'],
    [3, 'shutting down'],
    [4, 'in crash recovery'],
    [5, 'in archive recovery'],
    [6, 'in production'],
  ])('names state %i %p as pg_controldata does', (state, name) => {
    expect(parseControlFile(controlFile({ state })).state).toBe(name);
  });

  it.each([
    [1300, 288],
    [1700, 296],
    [1800, 300],
  ])('reads pg_control version %i with its CRC at offset %i', (controlVersion, crcOffset) => {
    expect(parseControlFile(controlFile({ controlVersion, crcOffset })).checkpointTimeline).toBe(3);
  });

  it('fails a file whose CRC does not match', () => {
    const file = controlFile();
    file[40] ^= 0x01;
    expect(() => parseControlFile(file)).toThrow('pg_control fails its CRC check: it is corrupt, or was being rewritten while read');
  });

  it('fails a state it does not know', () => {
    expect(() => parseControlFile(controlFile({ state: 7 }))).toThrow('pg_control holds unknown cluster state 7');
  });

  it('fails a pg_control older than PostgreSQL 11, whose layout differs', () => {
    expect(() => parseControlFile(controlFile({ controlVersion: 1002 }))).toThrow(
      'pg_control version 1002 is not one this agent reads (PostgreSQL 11 or later on a little-endian machine)',
    );
  });

  it('fails a file too short to be a pg_control', () => {
    expect(() => parseControlFile(Buffer.alloc(20))).toThrow('pg_control is 20 bytes long, too short to be one');
  });
});

describe('readControlData', () => {
  let pgdata: string;

  beforeEach(async () => {
    pgdata = await mkdtemp(join(tmpdir(), 'pgha-control-'));
  });

  afterEach(async () => {
    await rm(pgdata, { recursive: true, force: true });
  });

  it('finds nothing in a data folder without global/pg_control', async () => {
    expect(await readControlData(pgdata)).toBeNull();
    expect(await readControlData(join(pgdata, 'missing'))).toBeNull();
  });

  it('reads global/pg_control', async () => {
    await mkdir(join(pgdata, 'global'));
    await writeFile(join(pgdata, 'global', 'pg_control'), controlFile());
    expect((await readControlData(pgdata))?.systemIdentifier).toBe('7712294602233379463');
  });

  it('fails, naming the file, when the CRC stays wrong over several reads', async () => {
    const file = controlFile();
    file[33] ^= 0xff;
    await mkdir(join(pgdata, 'global'));
    await writeFile(join(pgdata, 'global', 'pg_control'), file);
    await expect(readControlData(pgdata)).rejects.toThrow(`${join(pgdata, 'global', 'pg_control')}: pg_control fails its CRC check`);
  });
});
