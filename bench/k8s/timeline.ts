/**
 * Watches the real cluster's side of a failover as it happens, each event stamped on the benchmark's
 * clock: the pods' role labels (the agents' writes), the primary Service's EndpointSlice (the
 * EndpointSlice controller), and the iptables rules kube-proxy programs for that Service (polled from
 * the kernel, as packets see them). Stop it to read the first time each thing was seen.
 */
import { spawn, type ChildProcess, execFile } from 'node:child_process';
import { now } from '../../e2e/load/write-log';
import type { Kubectl } from '../../e2e/cluster/kubectl';

export interface Observed {
  readonly at: number;
  readonly what: string;
}

/** How often the iptables rules are read: fine enough for the figures, cheap enough for 2 cores. */
const RULES_POLL_MS = 25;

export class FailoverTimeline {
  readonly events: Observed[] = [];
  private readonly watchers: ChildProcess[] = [];
  private rulesTimer: NodeJS.Timeout | null = null;
  private lastRules = '';
  private lastSlice = '';

  constructor(private readonly kubectl: Kubectl, private readonly namespace: string, private readonly service: string) {}

  start(): void {
    this.watch(['get', 'pods', '-n', this.namespace, '-l', `app.kubernetes.io/instance=${this.service}`, '-w', '-o',
      'jsonpath={.metadata.name} {.metadata.labels.cdk8s-postgres-ha/role} {.status.podIP}{"\\n"}'], (line) => this.record(`pod ${line}`));
    // custom-columns, not jsonpath: a jsonpath range over a slice with no endpoints makes kubectl exit.
    this.watch(['get', 'endpointslices', '-n', this.namespace, '-l', `kubernetes.io/service-name=${this.service}`, '-w', '--no-headers', '-o',
      'custom-columns=ADDRESSES:.endpoints[*].addresses[0],READY:.endpoints[*].conditions.ready'], (raw) => {
      // Only the ready endpoints: kube-proxy routes to those (terminating ones only when none is ready).
      const [addresses = '', ready = ''] = raw.trim().split(/\s+/);
      const flags = ready.split(',');
      const line = addresses === '<none>' ? '' : addresses.split(',').filter((_, i) => flags[i] === 'true').join(' ');
      if (line !== this.lastSlice) this.record(`slice ${line || '-'}`);
      this.lastSlice = line;
    });
    const poll = () => execFile('iptables-save', ['-t', 'nat'], { maxBuffer: 32 * 1024 * 1024 }, (error, stdout) => {
      if (!error) {
        const targets = stdout.split('\n').filter((l) => l.includes(`"${this.namespace}/${this.service}:postgres ->`)).map((l) => /-> ([\d.]+):/.exec(l)?.[1]).join(' ');
        if (targets !== this.lastRules) this.record(`rules ${targets || '-'}`);
        this.lastRules = targets;
      }
      if (this.rulesTimer !== null) this.rulesTimer = setTimeout(poll, RULES_POLL_MS);
    });
    this.rulesTimer = setTimeout(poll, 0);
  }

  stop(): void {
    for (const watcher of this.watchers) watcher.kill();
    if (this.rulesTimer) clearTimeout(this.rulesTimer);
    this.rulesTimer = null;
  }

  /** The first event at or after `since` whose text matches. */
  first(since: number, pattern: RegExp): number | undefined {
    return this.events.find((e) => e.at >= since && pattern.test(e.what))?.at;
  }

  private record(what: string): void {
    this.events.push({ at: now(), what });
  }

  private watch(args: readonly string[], onLine: (line: string) => void): void {
    const child = spawn(this.kubectl.path, ['--kubeconfig', this.kubectl.kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (buffer + chunk.toString('utf8')).split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    this.watchers.push(child);
  }
}
