/** How the hang scenarios start: sync-postgres formed, its quorum on the Lease, the writer and the probes running. */
import type { Database, Topology } from '../database';
import { FaultWatch } from '../fault-watch';
import type { KubeContext } from '../scenario';
import { waitForQuorum } from './sync-failover';
import { BOOTSTRAP_MS } from './timeouts';

export async function syncClusterUnderWatch(t: KubeContext, db: Database): Promise<{ before: Topology; watch: FaultWatch }> {
  const before = await t.step('one pod labelled primary, two labelled replica, all ready', () => t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS));
  await t.step('both standbys streaming', () => t.waitFor('both standbys streaming', () => db.streaming(before.replicas), BOOTSTRAP_MS));
  // Until then commits are acknowledged by the primary alone, and no standby may take over.
  await t.step('the Lease records both standbys as the synchronous quorum (ANY 1)', () => waitForQuorum(t, db, before.replicas, BOOTSTRAP_MS));
  const watch = await t.step(`a writer through Service ${db.name} (every 20 ms) and a probe writing to each pod's address`, () => FaultWatch.start(db, 1));
  return { before, watch };
}
