// Volume growth, decided without I/O: a StatefulSet's volume claim templates never change, so each
// agent compares its own PersistentVolumeClaim with the size the pod template asks for (storageSize)
// and raises the claim's request; the StorageClass and its driver do the rest (README "Volume growth").

export interface ClaimView {
  /** spec.resources.requests.storage, in bytes. */
  readonly requestedBytes: bigint;
  /** status.capacity.storage, in bytes; null before the volume is bound. */
  readonly capacityBytes: bigint | null;
  /** The types of the claim's True conditions (Resizing, FileSystemResizePending, …). */
  readonly conditions: readonly string[];
}

export type VolumeStep =
  | { readonly kind: 'none'; readonly reason: string }
  | { readonly kind: 'grow'; readonly reason: string }
  | { readonly kind: 'resizing'; readonly reason: string }
  | { readonly kind: 'shrink-refused'; readonly reason: string };

export function planVolume(claim: string, desired: { readonly text: string; readonly bytes: bigint }, view: ClaimView): VolumeStep {
  if (view.requestedBytes > desired.bytes) {
    return { kind: 'shrink-refused', reason: `${claim} requests ${formatBytes(view.requestedBytes)}, more than storageSize ${desired.text}: a volume never shrinks, so it stays as it is` };
  }
  if (view.requestedBytes < desired.bytes) {
    return { kind: 'grow', reason: `growing ${claim} from ${formatBytes(view.requestedBytes)} to storageSize ${desired.text}` };
  }
  if (view.capacityBytes !== null && view.capacityBytes < desired.bytes) {
    const pending = view.conditions.length > 0 ? ` (${view.conditions.join(', ')})` : '';
    return { kind: 'resizing', reason: `${claim} is being resized to ${desired.text}, ${formatBytes(view.capacityBytes)} so far${pending}` };
  }
  return { kind: 'none', reason: `${claim} has storageSize ${desired.text}` };
}

const SUFFIXES: Record<string, bigint> = {
  '': 1n, k: 1000n, M: 1000n ** 2n, G: 1000n ** 3n, T: 1000n ** 4n, P: 1000n ** 5n, E: 1000n ** 6n,
  Ki: 1024n, Mi: 1024n ** 2n, Gi: 1024n ** 3n, Ti: 1024n ** 4n, Pi: 1024n ** 5n, Ei: 1024n ** 6n,
};

/** A Kubernetes storage quantity (`50Mi`, `1Gi`, `500M`, `1.5Gi`, `62914560`) in bytes, rounded up; null when it is not one. */
export function parseQuantity(text: string): bigint | null {
  const match = /^(\d+)(?:\.(\d+))?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(text.trim());
  if (!match) return null;
  const [, whole, fraction = '', suffix = ''] = match;
  const scale = 10n ** BigInt(fraction.length);
  const numerator = (BigInt(whole) * scale + BigInt(fraction || '0')) * SUFFIXES[suffix];
  return (numerator + scale - 1n) / scale;
}

function formatBytes(bytes: bigint): string {
  for (const [suffix, factor] of [['Ti', 1024n ** 4n], ['Gi', 1024n ** 3n], ['Mi', 1024n ** 2n], ['Ki', 1024n]] as const) {
    if (bytes % factor === 0n) return `${bytes / factor}${suffix}`;
  }
  return `${bytes}`;
}
