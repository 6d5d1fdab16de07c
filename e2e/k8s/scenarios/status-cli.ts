/**
 * The command line on the real cluster, run as a user runs it (the built bin, kubectl on PATH, the
 * admin kubeconfig): `status` shows the members, roles and Lease holder the cluster really has, in a
 * table and as JSON; `switchover` moves the primary to a standby and waits for it; `status` then shows
 * the new primary and the Switchover Event; wrong requests are refused with their reason.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { StatusReport } from '../../../cli/report';
import { check } from '../../support/scenario';
import { ROLE_LABEL } from '../database';
import { DEFAULT_MAJOR, type KubeScenario } from '../scenario';
import { BOOTSTRAP_MS, RECOVERY_MS } from './timeouts';

const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'build', 'cli', 'cli.js');

/** Prints what the user sees, indented under the step. */
function show(output: string): void {
  for (const line of output.trimEnd().split('\n')) console.log(`      ${line}`);
}

export const statusCli: KubeScenario = {
  name: 'status-cli',
  summary: 'hot-postgres: `status` (table, -o json) matches the cluster; `switchover` to a standby moves the primary; status shows it and the Switchover Event',
  chart: 'hot-postgres',
  majors: [DEFAULT_MAJOR],
  async run(t, db) {
    const sh = (args: string) => t.cluster.sh(`node ${CLI} ${args}`);
    /** Runs the CLI expecting a failure: its exit code and stderr. */
    const failing = async (args: string) => {
      const out = await t.cluster.sh(`node ${CLI} ${args} 2>&1 >/dev/null; echo "exit $?"`);
      const lines = out.trimEnd().split('\n');
      return { code: Number(lines.pop()!.replace('exit ', '')), stderr: lines.join('\n') };
    };
    const status = async () => JSON.parse(await sh('status hot-postgres -n demo -o json')) as StatusReport;

    await t.step('node cli/build.mjs: the bundle package.json names as the bin', async () => {
      execFileSync(process.execPath, [join(ROOT, 'cli', 'build.mjs')], { cwd: ROOT });
    });
    const before = await t.step('one pod labelled primary, two labelled replica, all ready', () => t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS));
    await t.step('both hot standbys streaming', () => t.waitFor('both standbys streaming', () => db.streaming(before.replicas), BOOTSTRAP_MS));

    const report = await t.step('node build/cli/cli.js status hot-postgres -n demo -o json: no problems', () =>
      t.waitFor('status without problems', async () => {
        const r = await status();
        if (r.problems.length > 0) throw new Error(`problems: ${r.problems.join('; ')}`);
        return r;
      }, RECOVERY_MS));

    await t.step('the JSON names the members, role labels, nodes, addresses and Lease holder kubectl shows', async () => {
      const pods = await db.members();
      const holder = (await t.cluster.sh('kubectl get lease hot-postgres-leader -n demo -o jsonpath={.spec.holderIdentity}')).trim();
      check(report.primary === holder && holder === before.primary, `status says primary ${report.primary}, the Lease holder is ${holder}, the label is on ${before.primary}`);
      check(report.lease?.holder === holder, `lease holder ${report.lease?.holder}`);
      const seen = report.members.map((m) => `${m.pod} ${m.roleLabel} ${m.node} ${m.ip} ${m.ready}`);
      const truth = pods.map((p) => `${p.name} ${p.labels[ROLE_LABEL]} ${p.node} ${p.ip} ${p.ready}`);
      check(JSON.stringify(seen) === JSON.stringify(truth), `status: ${JSON.stringify(seen)}, kubectl: ${JSON.stringify(truth)}`);
      for (const m of report.members) {
        check(m.agent.answered && m.agent.role === m.roleLabel, `${m.pod}: agent ${JSON.stringify(m.agent)}`);
        if (m.pod !== holder) check(m.streaming === true && m.lagBytes !== null && m.sync === 'async', `${m.pod}: streaming ${m.streaming}, lag ${m.lagBytes}, sync ${m.sync}`);
      }
      check(report.lease !== null && report.lease.renewedSecondsAgo !== null && report.lease.renewedSecondsAgo < 10, `renewed ${report.lease?.renewedSecondsAgo}s ago`);
    });

    await t.step('node build/cli/cli.js status hot-postgres -n demo (the table, with --kubeconfig instead of $KUBECONFIG)', async () => {
      const table = await t.cluster.sh(`env -u KUBECONFIG node ${CLI} status hot-postgres -n demo --kubeconfig ${t.cluster.kubectl.kubeconfig}`);
      show(table);
      check(table.includes(`Primary: ${before.primary} (holds Lease hot-postgres-leader: renewed `), 'no primary line');
      for (const pod of before.replicas) check(new RegExp(`^${pod} .* replica +yes +standby of ${before.primary} +running`, 'm').test(table), `no row for ${pod}`);
    });

    await t.step('node build/cli/cli.js status hot-postgres -n demo --agent-via port-forward -o json: every agent answers through kubectl port-forward', async () => {
      const r = JSON.parse(await sh('status hot-postgres -n demo --agent-via port-forward -o json')) as StatusReport;
      const silent = r.members.filter((m) => !m.agent.answered).map((m) => `${m.pod}: ${m.agent.error}`);
      check(r.members.length === 3 && silent.length === 0 && r.primary === before.primary, `primary ${r.primary}, silent agents: ${silent.join('; ')}`);
    });

    const target = before.replicas[0];
    await t.step(`node build/cli/cli.js switchover ${before.primary} -n demo is refused: it is already the primary`, async () => {
      const { code, stderr } = await failing(`switchover ${before.primary} -n demo`);
      check(code === 1 && stderr === `refused (nothing written): ${before.primary} is already the primary (it holds the Lease hot-postgres-leader)`, `exit ${code}: ${stderr}`);
    });
    await t.step('node build/cli/cli.js status nope -n demo fails, naming the clusters there', async () => {
      const { code, stderr } = await failing('status nope -n demo');
      check(code === 1 && stderr === 'error: no cluster nope in namespace demo: there is no StatefulSet nope; clusters there: hot-postgres', `exit ${code}: ${stderr}`);
    });

    const start = Date.now();
    const said = await t.step(`node build/cli/cli.js switchover ${target} -n demo: done once ${target} holds the Lease and is labelled primary`, () => sh(`switchover ${target} -n demo`));
    show(said);
    check(said.includes(`done: ${target} is the primary`), said);
    await t.step(`kubectl get pods -L ${ROLE_LABEL}: ${target} is labelled primary (${((Date.now() - start) / 1000).toFixed(2)} s after the command started)`, async () => {
      const primaries = (await db.members()).filter((p) => p.labels[ROLE_LABEL] === 'primary').map((p) => p.name);
      check(JSON.stringify(primaries) === JSON.stringify([target]), `labelled primary: ${primaries}`);
    });

    const after = await t.step(`status -o json: primary ${target}, last change a Switchover from ${before.primary}, no problems once ${before.primary} rejoined`, () =>
      t.waitFor('status after the switchover', async () => {
        const r = await status();
        check(r.primary === target, `primary ${r.primary}`);
        check(r.lastChange?.reason === 'Switchover' && r.lastChange.pod === before.primary && r.lastChange.message.includes(`to ${target}`), `last change ${JSON.stringify(r.lastChange)}`);
        if (r.problems.length > 0) throw new Error(`problems: ${r.problems.join('; ')}`);
        return r;
      }, RECOVERY_MS));
    check(after.members.find((m) => m.pod === before.primary)?.roleLabel === 'replica', `${before.primary} is not back as a replica`);
    // The kubelet may still turn the rejoining member not ready for a moment after the agents agree.
    const table = await t.step('node build/cli/cli.js status hot-postgres -n demo: Problems: none', () =>
      t.waitFor('the table without problems', async () => {
        const text = await sh('status hot-postgres -n demo');
        return text.endsWith('Problems: none\n') ? text : undefined;
      }, RECOVERY_MS));
    show(table);
  },
};
