/**
 * What the control plane saw during a trial, timed on the benchmark's clock as the API stand-in stored
 * it: role label changes (the agents flip them; the Services follow them) and Lease holder changes.
 * Used to mark the promotion on the timelines and to tell the story of a failed trial.
 */
import type { WatchEvent } from '../e2e/harness/kube';
import { ROLE_LABEL } from './cluster-view';
import { now } from '../e2e/load/write-log';

export interface ClusterEvent {
  readonly at: number;
  readonly kind: 'role' | 'holder';
  /** The pod whose role label changed, or the new Lease holder. */
  readonly pod: string;
  /** The new role label ('' when removed or the pod was deleted); for holder events, ''. */
  readonly role: string;
}

export class ClusterEvents {
  readonly events: ClusterEvent[] = [];
  private readonly roles = new Map<string, string>();
  private holder: string | undefined;
  private readonly unwatch: () => void;

  constructor(watch: (listener: (event: WatchEvent) => void) => () => void, private readonly namespace: string, private readonly leaseName: string) {
    this.unwatch = watch((event) => this.onEvent(event));
  }

  /** The first pod other than `except` labelled primary at or after `since`. */
  firstPromotion(since: number, except: string): ClusterEvent | undefined {
    return this.events.find((e) => e.kind === 'role' && e.role === 'primary' && e.at >= since && e.pod !== except);
  }

  firstHolderChange(since: number, except: string): ClusterEvent | undefined {
    return this.events.find((e) => e.kind === 'holder' && e.at >= since && e.pod !== except && e.pod !== '');
  }

  stop(): void {
    this.unwatch();
  }

  private onEvent(event: WatchEvent): void {
    const { object } = event;
    if (object.metadata.namespace !== this.namespace) return;
    if (object.kind === 'Pod') {
      const pod = object.metadata.name ?? '';
      const role = event.type === 'DELETED' ? '' : object.metadata.labels?.[ROLE_LABEL] ?? '';
      if ((this.roles.get(pod) ?? '') === role) return;
      this.roles.set(pod, role);
      this.events.push({ at: now(), kind: 'role', pod, role });
    } else if (object.kind === 'Lease' && object.metadata.name === this.leaseName) {
      const holder = event.type === 'DELETED' ? '' : ((object as { spec?: { holderIdentity?: string } }).spec?.holderIdentity ?? '');
      if (holder === this.holder) return;
      this.holder = holder;
      this.events.push({ at: now(), kind: 'holder', pod: holder, role: '' });
    }
  }
}
