// kubectl as recorded on the real cluster (test/cli/fixtures, see its README): a Kubectl whose calls
// answer with the recorded stdout, or fail with the recorded stderr exactly as kubectl printed it.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { readCluster, type ClusterFacts } from '../../cli/cluster-reads';
import { Kubectl, classify } from '../../cli/kubectl';

export const FIXTURES = join(__dirname, 'fixtures');
export type RecordedState = 'booting' | 'ready' | 'switched' | 'failing' | 'failedover';

export function fixture(path: string): string {
  return readFileSync(join(FIXTURES, path), 'utf8');
}

/** When the state was recorded (the moment its reads started, on the recording machine's clock). */
export function recordedAt(state: RecordedState): number {
  return Date.parse(fixture(`${state}/observed-at.txt`).trim());
}

export class RecordedKubectl extends Kubectl {
  /** Every call, without the global flags, in order. */
  readonly calls: string[][] = [];
  /** The switchover annotation is on the Lease (a second `kubectl annotate` fails as recorded). */
  annotated = false;
  /** What is answered with a recorded Forbidden, as named in the call: statefulset, pods, lease, events, --raw, annotate. */
  readonly forbidden = new Set<string>();

  /** The recorded moment the cluster moves to once the annotation is written (a switchover's outcome). */
  afterAnnotate: RecordedState | null = null;

  constructor(private state: RecordedState) {
    super();
  }

  override async run(args: readonly string[]): Promise<string> {
    this.calls.push([...args]);
    const [verb, what, name] = args;
    if (verb === 'annotate') {
      if (this.forbidden.has('annotate')) throw classify(fixture('errors/annotate-forbidden.err'));
      if (this.annotated) throw classify(fixture('errors/annotate-pending.err'));
      this.annotated = true;
      if (this.afterAnnotate) this.state = this.afterAnnotate;
      return 'lease.coordination.k8s.io/hot-postgres-leader annotated\n';
    }
    if (this.forbidden.has(what)) throw classify(fixture(what === '--raw' ? 'errors/proxy-forbidden.err' : 'errors/statefulset-forbidden.err'));
    switch (what) {
      case 'statefulset':
        if (name !== 'hot-postgres') throw classify(fixture('errors/statefulset-not-found.err').replace('"nope"', `"${name}"`));
        return fixture(`${this.state}/statefulset.json`);
      case 'statefulsets':
        return fixture('errors/statefulsets-managed.json');
      case 'pods':
        return fixture(`${this.state}/pods.json`);
      case 'pod': {
        const pod = (JSON.parse(fixture(`${this.state}/pods.json`)) as { items: { metadata: { name: string } }[] }).items.find((p) => p.metadata.name === name);
        if (!pod) throw classify(`Error from server (NotFound): pods "${name}" not found\n`);
        return JSON.stringify(pod);
      }
      case 'lease':
        return fixture(`${this.state}/lease.json`);
      case 'events':
        return fixture(`${this.state}/events.json`);
      case '--raw': {
        const pod = /\/pods\/([^:/]+):/.exec(name)![1];
        const base = join(FIXTURES, this.state, `status-${pod}`);
        if (existsSync(`${base}.err`)) throw classify(readFileSync(`${base}.err`, 'utf8'));
        return readFileSync(`${base}.json`, 'utf8');
      }
      default:
        throw new Error(`no recording for kubectl ${args.join(' ')}`);
    }
  }
}

/** The facts `status hot-postgres -n demo` read in a recorded state. */
export function recordedFacts(state: RecordedState): Promise<ClusterFacts> {
  return readCluster(new RecordedKubectl(state), 'hot-postgres', 'demo', { agentAccess: 'proxy', now: () => recordedAt(state) });
}
