/** Summaries of per-trial values that may be missing (null: the trial had no such event or failed). */

/** The median of the values present; null when none is. */
export function median(values: ReadonlyArray<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (present.length === 0) return null;
  const middle = Math.floor(present.length / 2);
  return present.length % 2 === 1 ? present[middle] : (present[middle - 1] + present[middle]) / 2;
}

export function maximum(values: ReadonlyArray<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : Math.max(...present);
}

/** Seconds with millisecond precision, for the results files. */
export function roundSeconds(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms) / 1000;
}
