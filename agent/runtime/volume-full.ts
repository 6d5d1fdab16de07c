// The data volume's free space, read with statfs on the volume's root (PGDATA's parent: PGDATA itself
// does not exist before initdb), and the Warning Event a member posts when it becomes full. PostgreSQL
// only says "No space left on device" in its own log, which the agent does not read: the free space is
// what tells it, and the Event and /status are where a person sees it.
import { statfs } from 'node:fs/promises';
import { volumeFull, type VolumeSpace } from '../core/volume-space';
import type { EventRecorder } from '../kube/events';
import type { Logger } from './log';

export async function readVolumeSpace(dir: string): Promise<VolumeSpace | null> {
  try {
    const s = await statfs(dir);
    return { availableBytes: s.bavail * s.bsize, sizeBytes: s.blocks * s.bsize };
  } catch {
    return null;
  }
}

/** Posts VolumeFull once each time the volume becomes full, and logs when it has room again. */
export class VolumeFullReporter {
  private full = false;

  constructor(
    private readonly read: () => Promise<VolumeSpace | null>,
    private readonly events: Pick<EventRecorder, 'record'>,
    private readonly pod: string,
    private readonly log: Pick<Logger, 'info'>,
  ) {}

  start(everyMs: number): void {
    setInterval(() => void this.check(), everyMs).unref();
  }

  /** Returns the Event's message when it posted one. */
  async check(): Promise<string | null> {
    const space = await this.read();
    if (space === null) return null;
    const reason = volumeFull(space);
    const was = this.full;
    this.full = reason !== null;
    if (!reason) {
      if (was) this.log.info('volume-full', { outcome: 'the data volume has room again' });
      return null;
    }
    if (was) return null;
    this.log.info('volume-full', { outcome: reason });
    await this.events.record({ name: this.pod }, 'Warning', 'VolumeFull', reason);
    return reason;
  }
}
