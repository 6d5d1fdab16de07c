// A member's data volume becoming full: one VolumeFull Warning Event each time it fills, none while it
// stays full or has room, and the free space read from the real file system with statfs.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VolumeSpace } from '../../../agent/core/volume-space';
import { readVolumeSpace, VolumeFullReporter } from '../../../agent/runtime/volume-full';

const MIB = 1024 * 1024;

function reporter() {
  const world: { space: VolumeSpace | null } = { space: null };
  const events: Array<{ pod: string; type: string; reason: string; message: string }> = [];
  const logged: string[] = [];
  const r = new VolumeFullReporter(
    async () => world.space,
    { record: async (pod: { name: string }, type: 'Normal' | 'Warning', reason: string, message: string) => (events.push({ pod: pod.name, type, reason, message }), true) },
    'pg-1',
    { info: (_event: string, fields?: Record<string, unknown>) => void logged.push(String(fields?.outcome)) },
  );
  const free = (mib: number) => (world.space = { availableBytes: mib * MIB, sizeBytes: 384 * MIB });
  return { r, events, logged, free, world };
}

it('posts a VolumeFull Warning Event when the volume fills, once while it stays full', async () => {
  const { r, events, free } = reporter();
  free(200);
  await r.check();
  free(0.5);
  await r.check();
  await r.check();
  expect(events).toEqual([{
    pod: 'pg-1',
    type: 'Warning',
    reason: 'VolumeFull',
    message: 'the data volume is full (0.5 MiB free of 384.0 MiB, less than one 16 MiB WAL segment): PostgreSQL cannot write its WAL ("No space left on device"); grow the volume (storageSize) or free space on it',
  }]);
});

it('logs when the volume has room again, and posts anew when it fills again', async () => {
  const { r, events, logged, free } = reporter();
  free(1);
  await r.check();
  free(100);
  await r.check();
  free(2);
  await r.check();
  expect(events.map((e) => e.reason)).toEqual(['VolumeFull', 'VolumeFull']);
  expect(logged[1]).toBe('the data volume has room again');
});

it('posts nothing when the volume cannot be read', async () => {
  const { r, events } = reporter();
  expect(await r.check()).toBeNull();
  expect(events).toEqual([]);
});

it('reads a folder\'s file system with statfs, and null for a folder that does not exist', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'volume-full-'));
  const space = await readVolumeSpace(dir);
  expect(space).not.toBeNull();
  expect(space!.sizeBytes).toBeGreaterThan(0);
  expect(space!.availableBytes).toBeLessThanOrEqual(space!.sizeBytes);
  expect(await readVolumeSpace(join(dir, 'missing'))).toBeNull();
});
