// What the data directory holds, read from the files (the agent mounts PGDATA read-only): nothing, a
// partial folder (interrupted initdb or clone), or a cluster with its system identifier and last state.
import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readControlData } from './pg-control';
import type { DataView } from '../core/types';

export async function readDataView(pgdata: string): Promise<DataView> {
  let entries: string[];
  try {
    entries = await readdir(pgdata);
  } catch {
    return { kind: 'none' };
  }
  if (entries.length === 0) return { kind: 'none' };
  const control = entries.includes('PG_VERSION') ? await readControlData(pgdata).catch(() => null) : null;
  if (!control) return { kind: 'partial' };
  return {
    kind: 'present',
    systemIdentifier: control.systemIdentifier,
    state: control.state,
    standbySignal: await exists(join(pgdata, 'standby.signal')),
  };
}

/** The major version the data directory was made by (PG_VERSION), or null when there is none. */
export async function readDataMajor(pgdata: string): Promise<string | null> {
  try {
    return (await readFile(join(pgdata, 'PG_VERSION'), 'utf8')).trim() || null;
  } catch {
    return null;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
