// A five-field cron expression (minute hour day-of-month month day-of-week), always in UTC: what the
// construct validates at synth and what the agents schedule base backups with (agent/backup/schedule.ts
// imports this file). Numbers, `*`, ranges `a-b`, steps `*/n` and `a-b/n`, and lists `a,b`; day of week
// 0-7 with 0 and 7 both Sunday; as in Vixie cron, when both day fields are restricted a day matching
// either one matches. No names (`mon`, `jan`) and no `@daily`: a few characters more keep it unambiguous.

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day-of-week', min: 0, max: 7 },
] as const;

const MINUTE_MS = 60_000;
/** How far back previous() looks: a yearly schedule (`0 0 1 1 *`) still finds its slot. */
const SEARCH_DAYS = 366;

/** @internal */
export class CronSchedule {
  /** Throws an error naming `what` (the prop), the expression and what is wrong with it. */
  public static parse(expression: string, what = 'schedule'): CronSchedule {
    const parts = expression.trim().split(/\s+/);
    if (parts.length !== 5) {
      throw new Error(`${what} must be a cron expression of 5 fields (minute hour day-of-month month day-of-week, UTC), got "${expression}"`);
    }
    const sets = parts.map((part, i) => parseField(part, FIELDS[i], what, expression));
    // Sunday is 0 and 7.
    if (sets[4].has(7)) sets[4].add(0);
    return new CronSchedule(sets, parts[2] !== '*', parts[4] !== '*');
  }

  private constructor(
    private readonly sets: Array<Set<number>>,
    private readonly domRestricted: boolean,
    private readonly dowRestricted: boolean,
  ) {}

  /** Whether the minute that `at` falls in is a slot. */
  public matches(at: Date): boolean {
    return this.dayMatches(at) && this.sets[1].has(at.getUTCHours()) && this.sets[0].has(at.getUTCMinutes());
  }

  /** The latest slot at or before `at` (whole minutes), or null when none in the last 366 days. */
  public previous(at: Date): Date | null {
    let t = Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS;
    const limit = t - SEARCH_DAYS * 24 * 60 * MINUTE_MS;
    while (t >= limit) {
      const d = new Date(t);
      if (!this.dayMatches(d)) {
        t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - MINUTE_MS; // the day before, 23:59
      } else if (!this.sets[1].has(d.getUTCHours())) {
        t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours()) - MINUTE_MS;
      } else if (!this.sets[0].has(d.getUTCMinutes())) {
        t -= MINUTE_MS;
      } else {
        return d;
      }
    }
    return null;
  }

  private dayMatches(at: Date): boolean {
    const dom = this.sets[2].has(at.getUTCDate());
    const dow = this.sets[4].has(at.getUTCDay());
    if (!this.sets[3].has(at.getUTCMonth() + 1)) return false;
    if (this.domRestricted && this.dowRestricted) return dom || dow;
    return dom && dow;
  }
}

function parseField(text: string, field: (typeof FIELDS)[number], what: string, expression: string): Set<number> {
  const fail = (reason: string): never => {
    throw new Error(`${what} "${expression}": the ${field.name} field "${text}" ${reason}`);
  };
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
    if (!match) fail(`is not a number, a range a-b, * or a step x/n (${field.min}-${field.max})`);
    const [, , from, to, step] = match!;
    const low = from === undefined ? field.min : Number(from);
    const high = from === undefined ? field.max : to === undefined ? (step === undefined ? low : field.max) : Number(to);
    const stride = step === undefined ? 1 : Number(step);
    if (low < field.min || high > field.max || low > high) fail(`is outside ${field.min}-${field.max}`);
    if (stride < 1) fail('has a step below 1');
    for (let v = low; v <= high; v += stride) values.add(v);
  }
  return values;
}
