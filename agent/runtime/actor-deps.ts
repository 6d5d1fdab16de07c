// What carrying out actions needs: the configuration, clocks, and every adapter.
import type { RestoreSource } from '../backup/restore';
import type { RecoveryTarget } from '../backup/recovery-target';
import type { AgentConfig } from '../config';
import type { EventRecorder } from '../kube/events';
import type { LeaseStore } from '../kube/lease-store';
import type { Pods } from '../kube/pods';
import type { Secrets } from '../kube/secrets';
import type { PeerClient } from '../peers/peer-client';
import type { DynamicConfFile } from '../postgres/dynamic-conf';
import type { LocalSql } from '../postgres/local-sql';
import type { SupervisorClient } from '../postgres/supervisor-client';
import type { WalEndReader } from '../postgres/wal-end';
import type { ServerTls } from '../tls/server-tls';
import type { RuntimeState } from './state';

export interface ActorDeps {
  readonly config: AgentConfig;
  /** Monotonic milliseconds. */
  readonly now: () => number;
  /** Wall-clock epoch milliseconds (the Lease's MicroTimes). */
  readonly wallNow: () => number;
  /** Milliseconds on the boot clock the supervisor's heartbeat is written in (postgres/boot-clock.ts). */
  readonly bootNow: () => number;
  readonly leases: LeaseStore;
  readonly pods: Pods;
  readonly events: EventRecorder;
  readonly secrets: Secrets;
  readonly supervisor: SupervisorClient;
  readonly sql: LocalSql;
  readonly dynamicConf: DynamicConfFile;
  readonly walEnd: WalEndReader;
  readonly peers: PeerClient;
  readonly state: RuntimeState;
  readonly tls: ServerTls;
  /** Bootstrapping from a backup instead of initdb; null without `restore`. */
  readonly restore: { readonly source: RestoreSource; readonly target: RecoveryTarget; readonly restoreCommand: string } | null;
}
