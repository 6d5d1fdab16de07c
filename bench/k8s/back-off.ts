/**
 * The kubelet's crash-loop back-off, read from the pods: a container that exited waits 10 s before its
 * next start, doubling with each restart up to 5 minutes (reset after 10 minutes running). A chaos run
 * that kills one pod's container several times in a few minutes meets that wait; a heal check that
 * ignored it would report the product as failed when the kubelet, by design, had not yet restarted it.
 */

export interface PodStatusJson {
  metadata: { name: string };
  status?: {
    containerStatuses?: Array<{
      name: string;
      restartCount: number;
      state?: { waiting?: { reason?: string; message?: string } };
      lastState?: { terminated?: { finishedAt?: string } };
    }>;
  };
}

export interface PendingBackOff {
  readonly pod: string;
  readonly container: string;
  readonly restarts: number;
  /** The back-off the kubelet announced ("back-off 2m40s restarting failed container …"). */
  readonly backOffMs: number;
  /** When the kubelet will start the container again. */
  readonly endsAt: number;
}

/** The containers waiting out a back-off now. */
export function pendingBackOffs(pods: readonly PodStatusJson[]): PendingBackOff[] {
  const pending: PendingBackOff[] = [];
  for (const pod of pods) {
    for (const c of pod.status?.containerStatuses ?? []) {
      if (c.state?.waiting?.reason !== 'CrashLoopBackOff') continue;
      const backOffMs = goDurationMs(/back-off (\S+) restarting/.exec(c.state.waiting.message ?? '')?.[1] ?? '');
      const finished = Date.parse(c.lastState?.terminated?.finishedAt ?? '');
      if (backOffMs === undefined || Number.isNaN(finished)) continue;
      pending.push({ pod: pod.metadata.name, container: c.name, restarts: c.restartCount, backOffMs, endsAt: finished + backOffMs });
    }
  }
  return pending;
}

/** A Go duration as the kubelet prints it (`40s`, `2m40s`, `5m0s`) in milliseconds; undefined otherwise. */
export function goDurationMs(text: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(text);
  if (!match || text === '') return undefined;
  const [, h, m, s] = match;
  return Math.round(((Number(h ?? 0) * 60 + Number(m ?? 0)) * 60 + Number(s ?? 0)) * 1000);
}
