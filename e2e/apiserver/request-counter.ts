/** How many requests each user made, by verb and resource: the API load a benchmark reports. */

export interface RequestCount {
  readonly user: string;
  readonly verb: string;
  /** `pods`, `pods/status`, `leases`... */
  readonly resource: string;
  readonly count: number;
}

export class RequestCounter {
  private readonly counts = new Map<string, RequestCount>();

  record(user: string, verb: string, resource: string): void {
    const key = `${user}\n${verb}\n${resource}`;
    const count = this.counts.get(key)?.count ?? 0;
    this.counts.set(key, { user, verb, resource, count: count + 1 });
  }

  /** The number of requests matching every given field. */
  total(filter: Partial<Omit<RequestCount, 'count'>> = {}): number {
    return this.entries()
      .filter((c) => (filter.user ?? c.user) === c.user)
      .filter((c) => (filter.verb ?? c.verb) === c.verb)
      .filter((c) => (filter.resource ?? c.resource) === c.resource)
      .reduce((sum, c) => sum + c.count, 0);
  }

  entries(): RequestCount[] {
    return [...this.counts.values()];
  }

  reset(): void {
    this.counts.clear();
  }
}
