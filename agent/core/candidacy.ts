// Whether this member may take the lease from a holder that is gone. The rules keep acknowledged writes:
// only the most advanced member among those reachable is eligible; in asynchronous mode it must be within
// maximumLagOnFailover of the primary's last published position; in synchronous mode it must belong to the
// quorum the primary last recorded, and see enough of that quorum to be sure it holds every acknowledged
// commit.
import { formatLsn, type Lsn } from '../postgres/lsn';
import { ordinalOf } from '../config';
import { volumeFull } from './volume-space';
import { formatMs, localSystemIdentifier, peer, sameClusterStatus, selfName, statusLsn } from './facts';
import type { Observation, PresentLease } from './types';

export type HolderGone = { gone: true; why: string } | { gone: false };

/**
 * The holder released the lease, stayed silent for the whole lease duration (on our clock), or is
 * provably dead: its pod answers but both its agent and PostgreSQL refuse connections, so nothing there can
 * be accepting writes. A holder that merely times out is not provably dead: it may be partitioned while
 * still serving, and only the lease duration (it fences itself before) makes taking over safe.
 */
export function holderGone(o: Observation, lease: PresentLease): HolderGone {
  if (lease.holder === null || lease.holder === '') return { gone: true, why: 'the lease was released' };
  if (lease.silentForMs >= lease.durationMs) {
    return { gone: true, why: `holder ${lease.holder} silent for ${formatMs(lease.silentForMs)} (lease ${formatMs(lease.durationMs)})` };
  }
  const holderPeer = peer(o, lease.holder);
  if (holderPeer && holderPeer.agent === 'refused' && holderPeer.postgres === 'refused') {
    return { gone: true, why: `holder ${lease.holder} is down: its agent and PostgreSQL refuse connections` };
  }
  return { gone: false };
}

/** `ahead`: the member that is the better candidate, when that is why this one is not eligible. */
export type Candidacy = { eligible: true; why: string } | { eligible: false; why: string; ahead?: string };

export function candidacy(o: Observation, lease: PresentLease): Candidacy {
  const self = selfName(o);
  if (lease.systemIdentifier === null) return no('the cluster was never initialised; waiting for the member that bootstraps it');
  const sysid = localSystemIdentifier(o);
  if (sysid === null) return no('no data of our own to promote');
  if (sysid !== lease.systemIdentifier) return no(`our data belongs to another cluster (system identifier ${sysid})`);
  const wal = o.local.wal;
  if (!wal) return no('no valid WAL on disk');
  const mine = wal.lsn;
  const full = volumeFull(o.local.volume);
  if (full) return no(full);

  if (o.config.replicationMode === 'async' && lease.primaryLsn !== null) {
    const behind = lease.primaryLsn - mine;
    if (behind > o.config.maxLagOnFailoverBytes) {
      return no(`${behind} bytes behind the primary's last position ${formatLsn(lease.primaryLsn)}, more than maximumLagOnFailover (${o.config.maxLagOnFailoverBytes})`);
    }
  }

  // Members we compare against: reachable, same cluster, not the holder being replaced (a holder that
  // stepped down and released the lease, naming itself previous holder, is reachable and exactly as
  // advanced as the best standby; it must not win the tie while it exits).
  const replaced = lease.holder ?? lease.previousHolder;
  const rivals = o.peers
    .filter((p) => p.name !== replaced)
    .map((p) => ({ name: p.name, status: sameClusterStatus(p, lease) }))
    .filter((r): r is { name: string; status: NonNullable<typeof r.status> } => r.status !== null)
    // A member whose volume is full refuses the lease itself: waiting for it would leave the cluster without a primary.
    .filter((r) => !r.status.volume?.full);

  let comparable = rivals;
  if (o.config.replicationMode === 'sync') {
    const quorum = lease.syncStandbys ?? { k: 0, members: [] };
    if (!quorum.members.includes(self)) {
      return no(`not in the synchronous quorum the primary recorded (${quorum.members.join(', ') || 'none'})`);
    }
    const visible = 1 + rivals.filter((r) => quorum.members.includes(r.name)).length;
    const needed = quorum.members.length - quorum.k + 1;
    if (visible < needed) {
      return no(`sees ${visible} of the ${quorum.members.length} quorum members, needs ${needed} to be sure it has every acknowledged commit`);
    }
    comparable = rivals.filter((r) => quorum.members.includes(r.name));
  }

  for (const rival of comparable) {
    const theirs = statusLsn(rival.status);
    if (theirs === null) continue;
    if (ahead(theirs, rival.name, mine, self)) {
      return { ...no(`${rival.name} is more advanced (${formatLsn(theirs)} vs our ${formatLsn(mine)})`), ahead: rival.name };
    }
  }
  return { eligible: true, why: `most advanced of ${comparable.length + 1} reachable members at ${formatLsn(mine)}` };
}

/** Total order among candidates: further WAL first, then the lower ordinal, so exactly one member wins. */
function ahead(theirs: Lsn, theirName: string, mine: Lsn, myName: string): boolean {
  if (theirs !== mine) return theirs > mine;
  return ordinalOf(theirName) < ordinalOf(myName);
}

function no(why: string): { eligible: false; why: string } {
  return { eligible: false, why };
}

/** Used by the holder to judge a switchover target, and by candidates to check the lease's holder status. */
export function peerIsCaughtUpStandby(o: Observation, lease: PresentLease, name: string, reference: Lsn): { ok: boolean; why: string } {
  const p = peer(o, name);
  if (!p) return { ok: false, why: `${name} is not a member` };
  const status = sameClusterStatus(p, lease);
  if (!status) return { ok: false, why: `${name}'s agent does not answer (${p.agent})` };
  if (status.role !== 'replica' || status.postgres !== 'running') return { ok: false, why: `${name} is not a running standby (${status.reason})` };
  const theirs = statusLsn(status);
  if (theirs === null) return { ok: false, why: `${name} reports no WAL position` };
  const behind = reference - theirs;
  if (behind > o.config.maxLagOnFailoverBytes) return { ok: false, why: `${name} is ${behind} bytes behind, more than maximumLagOnFailover (${o.config.maxLagOnFailoverBytes} bytes)` };
  return { ok: true, why: `${name} is ${behind > 0n ? behind : 0n} bytes behind` };
}
