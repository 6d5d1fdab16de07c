// The vocabulary of the decision core: one immutable Observation of the world per tick, and the one
// Action decide() picks from it. Nothing here does I/O; the adapters fill observations and carry out actions.
import type { ArchiveStatus } from '../backup/backlog';
import type { MemberBackupStatus } from '../backup/schedule';
import type { AgentConfig } from '../config';
import type { PostgresSilence } from './postgres-silence';
import type { RolloutStep } from './rollout';
import type { Lease } from '../kube/lease-store';
import type { DbState } from '../postgres/pg-control';
import type { Lsn } from '../postgres/lsn';
import type { TimelineSwitch } from '../postgres/timeline';
import type { WalPosition } from '../postgres/wal-end';
import type { VolumeSpace } from './volume-space';

/** The synchronous quorum a primary relies on: every acknowledged commit is on at least k of members. */
export interface SyncSet {
  readonly k: number;
  readonly members: readonly string[];
}

export type LeaseView =
  | { readonly kind: 'unreachable'; readonly error: string }
  | { readonly kind: 'absent' }
  | PresentLease;

export interface PresentLease {
  readonly kind: 'present';
  /** The record as read, the base of any conditional write. */
  readonly record: Lease;
  readonly holder: string | null;
  /** How long the holder has shown no sign of life, timed on this member's own clock. */
  readonly silentForMs: number;
  /** The holder's declared lease duration. */
  readonly durationMs: number;
  readonly systemIdentifier: string | null;
  readonly primaryLsn: Lsn | null;
  readonly syncStandbys: SyncSet | null;
  readonly switchoverTo: string | null;
  readonly previousHolder: string | null;
}

export type SupervisorView = {
  readonly postgres: 'stopped' | 'running' | 'exited' | 'fenced';
  /** Meaningful while running: how the supervisor last started (or promoted) PostgreSQL. */
  readonly mode: 'none' | 'primary' | 'standby';
};

export type DataView =
  | { readonly kind: 'none' }
  /** A folder without a usable control file: what an interrupted initdb or clone leaves. */
  | { readonly kind: 'partial' }
  | {
      readonly kind: 'present';
      readonly systemIdentifier: string;
      readonly state: DbState;
      readonly standbySignal: boolean;
    };

export interface ReplicationRow {
  readonly applicationName: string;
  readonly state: string;
  readonly flushLsn: Lsn | null;
  readonly syncState: string;
}

/** What SQL over the local socket tells; absent when PostgreSQL does not accept the agent (warm standby, down). */
export interface SqlView {
  readonly inRecovery: boolean;
  /** The primary's current timeline (from its WAL file name); null on a standby. */
  readonly timeline: number | null;
  /** Primary: flushed WAL; standby: last received WAL. */
  readonly lsn: Lsn | null;
  readonly replication: readonly ReplicationRow[];
  readonly slots: readonly string[];
}

export interface LocalView {
  /** null until the postgres container's supervisor has written its first state. */
  readonly supervisor: SupervisorView | null;
  readonly data: DataView;
  /** End of the WAL on disk (timeline, LSN), read from the files. */
  readonly wal: WalPosition | null;
  /** The history of the local WAL's timeline (its .history file); null when it cannot be read. */
  readonly history: readonly TimelineSwitch[] | null;
  readonly sql: SqlView | null;
  /** The upstream host the agent last wrote into dynamic.conf (null when none). */
  readonly upstream: string | null;
  /** The synchronous_standby_names quorum the agent last wrote into dynamic.conf. */
  readonly appliedSync: SyncSet | null;
  /**
   * Major versions: of the postgres container's binaries (from the supervisor; null until it told) and of
   * the data directory (PG_VERSION; null without data). They differ after a changed `version` rolled.
   */
  readonly majors: { readonly binaries: string | null; readonly data: string | null };
  /** The data volume's free space (statfs); null when it cannot be read. See volume-space.ts. */
  readonly volume: VolumeSpace | null;
}

/** A peer agent's GET /status document (agent/http). */
export interface MemberStatus {
  readonly name: string;
  readonly role: 'primary' | 'replica' | 'none';
  readonly ready: boolean;
  readonly reason: string;
  readonly postgres: SupervisorView['postgres'] | 'unknown';
  readonly systemIdentifier: string | null;
  readonly wal: { readonly timeline: number; readonly lsn: string } | null;
  readonly timeline: number | null;
  readonly history: readonly { readonly timeline: number; readonly switchpoint: string }[];
  readonly leaseHolder: string | null;
  readonly apiReachable: boolean;
  readonly streaming: readonly string[];
  /** The primary's rolling update: what it waits for or does next (null on other members). */
  readonly rollout: string | null;
  /** WAL archiving (null when the cluster archives nothing): backlog, counts, last success and failure. */
  readonly archive?: ArchiveStatus | null;
  /** Base backups (null when the cluster archives nothing): the one running here, and the last one taken here. */
  readonly backup?: MemberBackupStatus | null;
  /** Bootstrapping from a backup: this member's restore, while it runs, failed or once done (null otherwise). */
  readonly restore?: { readonly phase: RestoreProgress['phase']; readonly detail: string } | null;
  /** The data volume's free space, and why it counts as full (null while it has room); null when unread. */
  readonly volume?: { readonly availableBytes: number; readonly sizeBytes: number; readonly full: string | null } | null;
}

export interface PeerView {
  readonly name: string;
  /** ok: its agent answered; refused: connection refused (nothing listens); unreachable: timeout or no route. */
  readonly agent: 'ok' | 'refused' | 'unreachable';
  /** Only probed when the agent refuses: the fast path needs both to refuse. */
  readonly postgres: 'refused' | 'open' | 'unknown';
  readonly status: MemberStatus | null;
}

/** The StatefulSet as the rolling update needs it (agent/core/rollout.ts). */
export type StatefulSetView =
  /** `replicas`: the StatefulSet's spec.replicas, which differs from this agent's members while a scaling rolls. */
  /** `updateStrategy`: spec.updateStrategy.type; the agents roll only under the rendered `OnDelete`. */
  | { readonly kind: 'read'; readonly updateRevision: string; readonly replicas: number; readonly updateStrategy: string }
  | { readonly kind: 'unreadable'; readonly error: string };

export interface PodView {
  readonly name: string;
  readonly role: string | null;
  readonly ready: boolean;
  readonly deleting: boolean;
  readonly revision: string | null;
}

/** What the agent remembers between ticks (its only state outside Kubernetes and PostgreSQL). */
export interface Memory {
  /** Monotonic time the last successful renewal was sent, while this member holds the lease. */
  readonly lastRenewSentAt: number | null;
  /** Monotonic time every other member last confirmed this primary while the API was unreachable. */
  readonly failsafeConfirmedAt: number | null;
  readonly shuttingDown: boolean;
  /** A change of the synchronous quorum waiting for the new members to catch up to `lsn`. */
  readonly pendingSync: { readonly target: SyncSet; readonly lsn: Lsn | null } | null;
  /** Bootstrapping from a backup (`restore`); null when the cluster bootstraps with initdb. */
  readonly restore: RestoreProgress | null;
}

/** Where a bootstrap from a backup stands in this agent process (backup/restore.ts runs it in the background). */
export type RestoreProgress =
  /** Not started by this process: a restore runs when there is no data, or the restored data's PostgreSQL stopped. */
  | { readonly phase: 'pending' }
  | { readonly phase: 'running'; readonly detail: string }
  /** `retryAt`: monotonic milliseconds. */
  | { readonly phase: 'failed'; readonly reason: string; readonly retryAt: number }
  | { readonly phase: 'done'; readonly detail: string };


export interface Observation {
  /** Monotonic milliseconds. */
  readonly now: number;
  readonly config: AgentConfig;
  readonly lease: LeaseView;
  readonly local: LocalView;
  readonly peers: readonly PeerView[];
  /** null when the pods could not be listed. */
  readonly pods: readonly PodView[] | null;
  /** Read by the lease holder only (it alone rolls the members); null otherwise. */
  readonly statefulSet: StatefulSetView | null;
  readonly memory: Memory;
  /**
   * How long this member has run as a standby of the holder without the holder listing it as streaming
   * (null while it streams, or when that cannot be known). A standby whose WAL the primary removed, or
   * whose slot was invalidated, never streams again by itself.
   */
  readonly standbyStalledForMs: number | null;
  /**
   * How long the local PostgreSQL has left the agent's SQL unanswered, after answering earlier in this
   * postmaster's life (null while it answers, or when no probe is made). See postgres-silence.ts.
   */
  readonly postgresSilence: PostgresSilence | null;
  /**
   * How long this holder has seen the Lease's current switchover-to request (null: no request, or not
   * the holder). See switchover-wait.ts.
   */
  readonly switchoverWaitedMs: number | null;
}

/** Steps a lease holder takes after renewing. */
export type LeadStep =
  | 'initdb'
  | 'start-primary'
  | 'start-standby'
  | 'finish-bootstrap'
  | 'promote'
  | 'serve'
  | 'wait-ready'
  | 'restore'
  | 'restore-wait'
  | 'abdicate';

/** Steps a member that follows the holder takes. */
export type FollowStep = 'clone' | 'rewind' | 'start-standby' | 'repoint' | 'stream';

export type Action =
  | {
      readonly type: 'wait';
      readonly reason: string;
      /**
       * The member this one defers to while the holder is gone: told at once (POST /wake) to look,
       * because it may not have seen the holder go (its watch of the holder was not connected) and the
       * kubelet may restart the holder within a second.
       */
      readonly wake?: string;
    }
  /** `event`: the Event's reason, RefusedToJoin unless given. */
  | { readonly type: 'refuse'; readonly reason: string; readonly event?: string }
  /** `event`: a Warning Event's reason, posted once the Lease is created (a repair, not a bootstrap). */
  | { readonly type: 'create-lease'; readonly reason: string; readonly event?: string }
  | {
      readonly type: 'lead';
      readonly step: LeadStep;
      readonly reason: string;
      readonly switchoverTo?: string;
      readonly clearSwitchover?: string;
      /** The rolling update's step while serving (an eviction to make), when the StatefulSet was read. */
      readonly rollout?: RolloutStep;
    }
  /** `rollout`: the rolling update's switchover, not a user's request. */
  | { readonly type: 'switchover'; readonly target: string; readonly reason: string; readonly rollout?: true }
  | { readonly type: 'acquire'; readonly reason: string; readonly previousHolder: string | null }
  | { readonly type: 'fence'; readonly reason: string }
  | { readonly type: 'failsafe'; readonly reason: string }
  | { readonly type: 'follow'; readonly step: FollowStep; readonly upstream: string; readonly reason: string }
  | { readonly type: 'step-down'; readonly reason: string }
  | { readonly type: 'exit'; readonly reason: string };

export type { TimelineSwitch, WalPosition };
