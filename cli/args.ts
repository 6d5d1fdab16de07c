// The command line → one Command, or a UsageError naming what is wrong. Flags follow kubectl's spelling
// (-n/--namespace, -o/--output, --context, --kubeconfig), so people type what they already know.
import { AGENT_ACCESS, type AgentAccess } from './agent-access';
import type { KubeFlags } from './kubectl';

export type Command =
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'status'; readonly name: string; readonly namespace?: string; readonly output: 'table' | 'json'; readonly agentAccess: AgentAccess; readonly kube: KubeFlags }
  | { readonly kind: 'switchover'; readonly pod: string; readonly namespace?: string; readonly wait: boolean; readonly timeoutSeconds: number; readonly agentAccess: AgentAccess; readonly kube: KubeFlags };

export class UsageError extends Error {}

export const PROGRAM = 'cdk8s-postgres-ha';
const DEFAULT_TIMEOUT_SECONDS = 60;

const KUBE_FLAGS = `      --agent-via proxy|port-forward
                            how to reach the agents: through the API server's pod proxy (default;
                            needs get pods/proxy, and a NetworkPolicy that lets the API server in),
                            or kubectl port-forward (needs create pods/portforward)
      --context <name>      the kubeconfig context to use (as kubectl)
      --kubeconfig <file>   the kubeconfig file to use (as kubectl; default: $KUBECONFIG or ~/.kube/config)`;

export const USAGE = `Usage:
  ${PROGRAM} status <cluster> [-n <namespace>] [-o table|json]
  ${PROGRAM} switchover <pod> [-n <namespace>] [--no-wait] [--timeout <seconds>]
  ${PROGRAM} help [status|switchover]

Shows and steers a PostgresCluster of cdk8s-postgres-ha on a running Kubernetes cluster. Runs kubectl
(from PATH, or PGHA_KUBECTL) with your kubeconfig, so kubectl must be installed and allowed to read the
cluster's objects. Run '${PROGRAM} help <command>' for a command's flags.
`;

const STATUS_HELP = `Usage: ${PROGRAM} status <cluster> [-n <namespace>] [-o table|json]

Shows the cluster's members (pod, node, IP, role label, readiness and what each agent says about itself,
timeline, WAL position, lag, streaming and synchronous state), the Lease holder and how long ago it
renewed (measured on this machine's clock), the last change of primary and the agents' latest Events, and
the problems found. Reads through kubectl: the StatefulSet, the pods, the Lease <cluster>-leader, the
Events, and each agent's GET /status (see --agent-via).

Flags:
  -n, --namespace <name>    the cluster's namespace (default: your context's namespace)
  -o, --output table|json   table (default) for people; json for scripts (a stable document)
${KUBE_FLAGS}
`;

const SWITCHOVER_HELP = `Usage: ${PROGRAM} switchover <pod> [-n <namespace>] [--no-wait] [--timeout <seconds>]

Hands the primary role to <pod>, a ready standby of its cluster, by writing the annotation
cdk8s-postgres-ha/switchover-to=<pod> on the cluster's Lease; the primary's agent then stops writes,
waits for <pod> to have the last WAL, and hands over. Refuses (and writes nothing) when <pod> is not a
member of a cdk8s-postgres-ha cluster, is not a ready streaming standby within maximumLagOnFailover, is
already the primary, or another switchover is pending. Then waits until <pod> holds the Lease and is
labelled primary, or reports the agent's refusal.

Flags:
  -n, --namespace <name>    the pod's namespace (default: your context's namespace)
      --no-wait             return once the annotation is written
      --timeout <seconds>   how long to wait for the switchover (default: ${DEFAULT_TIMEOUT_SECONDS})
${KUBE_FLAGS}
`;

const HELP: Readonly<Record<string, string>> = { status: STATUS_HELP, switchover: SWITCHOVER_HELP };

/** Flags that take a value, by every spelling, → their canonical name. */
const VALUE_FLAGS: Readonly<Record<string, string>> = {
  '-n': 'namespace', '--namespace': 'namespace',
  '-o': 'output', '--output': 'output',
  '--context': 'context', '--kubeconfig': 'kubeconfig',
  '--timeout': 'timeout',
  '--agent-via': 'agent-via',
};
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  status: ['namespace', 'output', 'context', 'kubeconfig', 'agent-via'],
  switchover: ['namespace', 'context', 'kubeconfig', 'timeout', 'no-wait', 'agent-via'],
};

export function parseArgs(argv: readonly string[]): Command {
  const [command, ...rest] = argv;
  if (command === undefined) throw new UsageError('no command given');
  if (command === '-h' || command === '--help') return { kind: 'help', text: USAGE };
  if (command === 'help') {
    if (rest.length === 0) return { kind: 'help', text: USAGE };
    if (!HELP[rest[0]]) throw new UsageError(`no help for "${rest[0]}": the commands are status and switchover`);
    return { kind: 'help', text: HELP[rest[0]] };
  }
  if (!HELP[command]) throw new UsageError(`unknown command "${command}": the commands are status and switchover`);
  if (rest.includes('-h') || rest.includes('--help')) return { kind: 'help', text: HELP[command] };

  const { positional, flags } = split(command, rest);
  const subject = command === 'status' ? "the cluster's name" : "the target pod's name";
  if (positional.length === 0) throw new UsageError(`${command} needs ${subject}: ${PROGRAM} ${command} <${command === 'status' ? 'cluster' : 'pod'}> -n <namespace>`);
  if (positional.length > 1) throw new UsageError(`unexpected argument "${positional[1]}": ${command} takes one name`);
  const kube: KubeFlags = { ...(flags.context ? { context: flags.context } : {}), ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}) };
  const namespace = flags.namespace ? { namespace: flags.namespace } : {};
  const agentAccess = (flags['agent-via'] ?? 'proxy') as AgentAccess;
  if (!AGENT_ACCESS.includes(agentAccess)) throw new UsageError(`--agent-via must be proxy or port-forward, got "${agentAccess}"`);
  if (command === 'status') {
    const output = flags.output ?? 'table';
    if (output !== 'table' && output !== 'json') throw new UsageError(`-o must be table or json, got "${output}"`);
    return { kind: 'status', name: positional[0], ...namespace, output, agentAccess, kube };
  }
  const timeout = flags.timeout ?? String(DEFAULT_TIMEOUT_SECONDS);
  if (!/^\d+$/.test(timeout) || Number(timeout) < 1 || Number(timeout) > 3600) {
    throw new UsageError(`--timeout must be a whole number of seconds from 1 to 3600, got "${timeout}"`);
  }
  return { kind: 'switchover', pod: positional[0], ...namespace, wait: flags['no-wait'] === undefined, timeoutSeconds: Number(timeout), agentAccess, kube };
}

function split(command: string, args: readonly string[]): { positional: string[]; flags: Record<string, string> } {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    // --flag=value, -n value, -ndemo (kubectl accepts all three).
    const eq = arg.indexOf('=');
    let spelling = eq > 0 ? arg.slice(0, eq) : arg;
    let value: string | undefined = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (!arg.startsWith('--') && arg.length > 2 && eq < 0) {
      spelling = arg.slice(0, 2);
      value = arg.slice(2);
    }
    const name = VALUE_FLAGS[spelling] ?? (spelling === '--no-wait' ? 'no-wait' : undefined);
    if (name === undefined || !ALLOWED[command].includes(name)) throw new UsageError(`unknown flag ${spelling} for ${command}; see '${PROGRAM} help ${command}'`);
    if (name === 'no-wait') {
      if (value !== undefined) throw new UsageError('--no-wait takes no value');
      flags[name] = 'true';
      continue;
    }
    value ??= args[++i];
    if (value === undefined || value === '') throw new UsageError(`${spelling} needs a value`);
    flags[name] = value;
  }
  return { positional, flags };
}
