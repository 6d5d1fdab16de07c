/**
 * Two primaries at once, from the direct probe's acknowledgements (probe.ts): each pod's stretch from its
 * first to its last acknowledged write, and the longest overlap of two pods' stretches. 0 means no two
 * pods ever accepted writes over the same stretch of time.
 */
/** How long two pods both acknowledged direct writes: the overlap of their [first, last] ack stretches. */
export function dualPrimary(acks: ReadonlyArray<{ pod: string; at: number }>): number {
  const spans = new Map<string, { first: number; last: number }>();
  for (const ack of acks) {
    const span = spans.get(ack.pod);
    spans.set(ack.pod, span ? { first: Math.min(span.first, ack.at), last: Math.max(span.last, ack.at) } : { first: ack.at, last: ack.at });
  }
  const list = [...spans.values()];
  let worst = 0;
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) worst = Math.max(worst, Math.min(list[i].last, list[j].last) - Math.max(list[i].first, list[j].first));
  }
  return worst;
}
