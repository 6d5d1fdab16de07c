// What a member that follows the holder does: start as its standby, repoint a running standby at a new
// primary (a reload, no restart), rewind WAL that forked off the primary's history, or clone afresh.
import { dataWasPrimary } from '../core/facts';
import { EMPTY_SYNC } from '../core/sync-standbys';
import type { FollowStep, Observation } from '../core/types';
import { memberHost } from '../config';
import type { ActorDeps } from './actor-deps';
import type { Effects } from './effects';

export class FollowerSteps {
  constructor(
    private readonly d: ActorDeps,
    private readonly effects: Effects,
  ) {}

  async run(step: FollowStep, upstream: string, o: Observation): Promise<string> {
    const host = memberHost(this.d.config, upstream);
    if (step === 'stream') {
      // A streaming standby labelled primary was labelled by hand (its new primary took the label off
      // when it promoted): Service <name> would send writes here. Put it back, and say so.
      const labelled = o.pods?.find((p) => p.name === this.d.config.podName)?.role;
      await this.effects.labelSelf('replica', o);
      if (labelled !== 'primary') return `streaming from ${upstream}`;
      void this.effects.event('Warning', 'RoleLabelRepaired', `${this.d.config.podName} was labelled primary while ${upstream} holds the Lease: labelled replica again`);
      return `streaming from ${upstream}; relabelled replica`;
    }
    if (step === 'repoint') {
      await this.effects.writeDynamic(host, EMPTY_SYNC);
      const reload = await this.d.supervisor.run('reload');
      void this.effects.event('Normal', 'Following', `now streaming from ${upstream}`);
      return `following ${upstream} (${reload.message})`;
    }
    const credentials = await this.effects.ensureCredentials(false);
    if (!credentials.ok) return credentials.reason;
    // A clone or rewind verifies the primary's certificate against the CA it finds in the TLS files.
    const tls = await this.d.tls.ensure();
    if (!tls.ok) return tls.reason;
    if (step === 'start-standby') {
      await this.effects.writeDynamic(host, EMPTY_SYNC);
      const result = await this.effects.command('start-standby');
      if (dataWasPrimary(o)) void this.effects.event('Normal', 'Rejoined', `former primary rejoins as a standby of ${upstream}`);
      return result;
    }
    if (o.local.supervisor?.postgres === 'running') {
      const stop = await this.d.supervisor.run('stop', 'fast');
      if (!stop.ok) return `could not stop PostgreSQL: ${stop.message}`;
    }
    const port = String(this.d.config.postgresPort);
    if (step === 'rewind') {
      const rewind = await this.d.supervisor.run('rewind', host, port);
      if (rewind.ok) {
        void this.effects.event('Normal', 'Rewound', `pg_rewind from ${upstream}: ${rewind.message}`);
        return `rewound from ${upstream}`;
      }
      void this.effects.event('Warning', 'RewindFailed', `pg_rewind from ${upstream} failed (${rewind.message}); cloning instead`);
    }
    const clone = await this.d.supervisor.run('clone', host, port);
    if (clone.ok) void this.effects.event('Normal', 'Cloned', `cloned the data from ${upstream}`);
    return clone.ok ? `cloned from ${upstream}` : `clone failed: ${clone.message}`;
  }
}
