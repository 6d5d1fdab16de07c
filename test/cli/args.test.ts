import { parseArgs, USAGE, UsageError } from '../../cli/args';

const usageError = (argv: string[]) => {
  try {
    parseArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`parsed: ${argv.join(' ')}`);
};

describe('command line', () => {
  it('reads status with kubectl-style flags in every spelling', () => {
    const expected = { kind: 'status', name: 'hot-postgres', namespace: 'demo', output: 'json', agentAccess: 'proxy', kube: { context: 'prod', kubeconfig: '/k' } };
    expect(parseArgs(['status', 'hot-postgres', '-n', 'demo', '-o', 'json', '--context', 'prod', '--kubeconfig', '/k'])).toEqual(expected);
    expect(parseArgs(['status', '--namespace=demo', '--output=json', '--context=prod', '--kubeconfig=/k', 'hot-postgres'])).toEqual(expected);
    expect(parseArgs(['status', '-ndemo', '-ojson', 'hot-postgres', '--context', 'prod', '--kubeconfig', '/k'])).toEqual(expected);
  });

  it('defaults status to a table in the context namespace, with kubectl defaults', () => {
    expect(parseArgs(['status', 'hot-postgres'])).toEqual({ kind: 'status', name: 'hot-postgres', output: 'table', agentAccess: 'proxy', kube: {} });
  });

  it('reads switchover, waiting 60 seconds unless told otherwise', () => {
    expect(parseArgs(['switchover', 'hot-postgres-1', '-n', 'demo'])).toEqual({ kind: 'switchover', pod: 'hot-postgres-1', namespace: 'demo', wait: true, timeoutSeconds: 60, agentAccess: 'proxy', kube: {} });
    expect(parseArgs(['switchover', 'hot-postgres-1', '--no-wait'])).toMatchObject({ wait: false });
    expect(parseArgs(['switchover', 'hot-postgres-1', '--timeout', '5'])).toMatchObject({ wait: true, timeoutSeconds: 5 });
  });

  it('reaches the agents through the pod proxy unless told to port-forward', () => {
    expect(parseArgs(['status', 'hot-postgres', '--agent-via', 'port-forward'])).toMatchObject({ agentAccess: 'port-forward' });
    expect(parseArgs(['switchover', 'hot-postgres-1', '--agent-via=port-forward'])).toMatchObject({ agentAccess: 'port-forward' });
  });

  it('fails on another way to reach the agents', () => {
    expect(usageError(['status', 'a', '--agent-via', 'exec'])).toBe('--agent-via must be proxy or port-forward, got "exec"');
  });

  it('answers --help, help and help <command>', () => {
    expect(parseArgs(['--help'])).toEqual({ kind: 'help', text: USAGE });
    expect(parseArgs(['help'])).toEqual({ kind: 'help', text: USAGE });
    expect(parseArgs(['help', 'status'])).toMatchObject({ text: expect.stringContaining('Usage: cdk8s-postgres-ha status <cluster>') });
    expect(parseArgs(['switchover', '--help'])).toMatchObject({ text: expect.stringContaining('Usage: cdk8s-postgres-ha switchover <pod>') });
  });

  it('says in the usage that kubectl is required', () => {
    expect(USAGE).toContain('Runs kubectl');
    expect(USAGE).toContain('kubectl must be installed');
  });

  it('fails without a command', () => {
    expect(usageError([])).toBe('no command given');
  });

  it('fails on an unknown command', () => {
    expect(usageError(['promote', 'x'])).toBe('unknown command "promote": the commands are status and switchover');
  });

  it('fails without the cluster or pod name', () => {
    expect(usageError(['status', '-n', 'demo'])).toBe("status needs the cluster's name: cdk8s-postgres-ha status <cluster> -n <namespace>");
    expect(usageError(['switchover'])).toBe("switchover needs the target pod's name: cdk8s-postgres-ha switchover <pod> -n <namespace>");
  });

  it('fails on a second name', () => {
    expect(usageError(['status', 'a', 'b'])).toBe('unexpected argument "b": status takes one name');
  });

  it('fails on a flag the command does not take', () => {
    expect(usageError(['status', 'a', '--no-wait'])).toBe("unknown flag --no-wait for status; see 'cdk8s-postgres-ha help status'");
    expect(usageError(['switchover', 'a-0', '-o', 'json'])).toBe("unknown flag -o for switchover; see 'cdk8s-postgres-ha help switchover'");
    expect(usageError(['status', 'a', '--all-namespaces'])).toBe("unknown flag --all-namespaces for status; see 'cdk8s-postgres-ha help status'");
  });

  it('fails on a flag without its value', () => {
    expect(usageError(['status', 'a', '-n'])).toBe('-n needs a value');
    expect(usageError(['status', 'a', '--namespace='])).toBe('--namespace needs a value');
  });

  it('fails on an output format other than table or json', () => {
    expect(usageError(['status', 'a', '-o', 'yaml'])).toBe('-o must be table or json, got "yaml"');
  });

  it('fails on a timeout that is not whole seconds from 1 to 3600', () => {
    for (const bad of ['0', '1.5', '10s', '3601']) {
      expect(usageError(['switchover', 'a-0', '--timeout', bad])).toBe(`--timeout must be a whole number of seconds from 1 to 3600, got "${bad}"`);
    }
  });

  it('fails on help for something that is not a command', () => {
    expect(usageError(['help', 'promote'])).toBe('no help for "promote": the commands are status and switchover');
  });
});
