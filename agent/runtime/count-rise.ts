// A counter the supervisor keeps for the life of its container (OOM kills, postmaster exits): how much it
// rose between two readings. The first reading is the baseline, so an agent restart does not report again
// what an earlier agent did; a new supervisor boot is a new container, counting from 0.
export class CountRise {
  private seen: { readonly boot: string; readonly count: number } | null = null;

  /** The rise since the last reading; null for the first reading and when the count did not rise. */
  next(boot: string, count: number): number | null {
    const previous = this.seen;
    this.seen = { boot, count };
    const before = previous === null ? null : previous.boot === boot ? previous.count : 0;
    return before === null || count <= before ? null : count - before;
  }
}
