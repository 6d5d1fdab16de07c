/**
 * Monitoring on the real cluster: a real Prometheus (Debian's binary, on the host) scrapes the members
 * through the rendered PodMonitor (translated the way prometheus-operator would, e2e/k8s/prometheus.ts),
 * evaluates the rendered PrometheusRule, and its alerts fire on real faults and clear afterwards:
 * "standby not streaming" while a standby's PostgreSQL crash-loops, "no primary" while every member's
 * containers do.
 *
 * The time each fault step prints is from its first kill to the alert firing. A crash loop is made the way it happens: each time the kubelet restarts the container, it is killed
 * again, so the kubelet's back-off (10 s, then 20 s) keeps it down until the alert has fired; then the
 * faults stop and the cluster heals on its own.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { check } from '../../support/scenario';
import { delay } from '../../support/sleep';
import { operatorFile } from '../charts';
import type { PodView } from '../kube-cluster';
import { ALERT_PENDING_S, SCRAPE_INTERVAL_S } from '../metrics-postgres';
import { HostPrometheus, type Alert } from '../prometheus';
import { DEFAULT_MAJOR, type KubeContext, type KubeScenario } from '../scenario';
import type { Database } from '../database';
import { BOOTSTRAP_MS, RECOVERY_MS } from './timeouts';

const WORK = join(__dirname, '..', '..', '.work', 'prometheus');
/** The pending period, a scrape and an evaluation, with room for a loaded machine. */
const FIRE_MS = 60_000;

const firing = (alerts: Alert[], name: string) => alerts.filter((a) => a.state === 'firing' && a.labels.alertname === name);

/** Kills the named containers of the members each time one (re)starts, until `done` says so. */
async function crashLoop(t: KubeContext, db: Database, pods: readonly string[], containers: readonly string[], done: () => Promise<boolean>): Promise<number> {
  const killed = new Set<string>();
  const deadline = Date.now() + FIRE_MS;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`not done ${FIRE_MS / 1000} s into the crash loop`);
    const members: PodView[] = (await db.members()).filter((p) => pods.includes(p.name));
    for (const pod of members) {
      for (const container of containers) {
        const id = pod.containerIds[container];
        if (id && !killed.has(id) && t.cluster.killContainer(pod, container)) killed.add(id);
      }
    }
    await delay(200);
  }
  return killed.size;
}

export const metrics: KubeScenario = {
  name: 'metrics',
  summary: 'metrics-postgres: a real Prometheus scrapes every member through the rendered PodMonitor; "standby not streaming" and "no primary" fire on faults and clear',
  chart: 'metrics-postgres',
  majors: [DEFAULT_MAJOR],
  async run(t, db) {
    const { primary, replicas } = await t.step('one pod labelled primary, two labelled replica, all ready', () => t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS));
    await t.step('both standbys streaming', () => t.waitFor('both standbys streaming', () => db.streaming(replicas), BOOTSTRAP_MS));

    const documents = parseAllDocuments(readFileSync(operatorFile('metrics-postgres', DEFAULT_MAJOR), 'utf8')).map((d) => d.toJS());
    const podMonitor = documents.find((d) => d.kind === 'PodMonitor');
    const prometheusRule = documents.find((d) => d.kind === 'PrometheusRule');
    const prometheus = new HostPrometheus(WORK, t.cluster.kubectl);
    try {
      await t.step('prometheus (Debian\'s, on the host) started with the PodMonitor as its scrape job (stand-in for prometheus-operator) and the PrometheusRule\'s groups as its rules', () =>
        prometheus.start(podMonitor, prometheusRule.spec.groups));

      const members = [primary, ...replicas].sort();
      await t.step('GET /api/v1/targets: one target per member, each up, labelled with its pod, namespace and pgha_cluster', () => t.waitFor('every member scraped', async () => {
        const targets = await prometheus.targets();
        const up = targets.filter((x) => x.health === 'up' && x.labels.namespace === 'demo' && x.labels.pgha_cluster === 'metrics-postgres').map((x) => x.labels.pod).sort();
        if (JSON.stringify(up) !== JSON.stringify(members)) throw new Error(`targets: ${JSON.stringify(targets.map((x) => [x.labels.pod, x.health, x.lastError]))}`);
        return true;
      }, 30_000));

      await t.step(`pgha_role{role="primary"} == 1: exactly one member, ${primary}, the pod labelled primary`, () => t.waitFor('one primary in pgha_role', async () => {
        const samples = await prometheus.query('pgha_role{role="primary"} == 1');
        if (samples.length !== 1 || samples[0].labels.member !== primary || samples[0].labels.pod !== primary) throw new Error(`pgha_role primaries: ${JSON.stringify(samples.map((s) => s.labels))}`);
        return true;
      }, 30_000));

      await t.step(`after ${ALERT_PENDING_S + 3 * SCRAPE_INTERVAL_S} s of scrapes, no alert pending or firing`, async () => {
        await delay((ALERT_PENDING_S + 3 * SCRAPE_INTERVAL_S) * 1000);
        const alerts = await prometheus.alerts();
        check(alerts.length === 0, `alerts: ${JSON.stringify(alerts.map((a) => [a.labels.alertname, a.labels.member, a.state]))}`);
      });

      const standby = replicas[0];
      const kills = await t.step(`SIGKILL to ${standby}'s postgres container, again each time the kubelet restarts it: PostgresHAStandbyNotStreaming fires for ${standby}`, async () => {
        return crashLoop(t, db, [standby], ['postgres'], async () => firing(await prometheus.alerts(), 'PostgresHAStandbyNotStreaming').some((a) => a.labels.member === standby));
      });
      check(kills >= 1, 'nothing was killed');

      await t.step(`the faults stop: the kubelet restarts the container after its back-off, ${standby} streams again, and the alert clears`, () => t.waitFor('the standby streaming and the alert gone', async () => {
        await db.streaming(replicas);
        const still = (await prometheus.alerts()).filter((a) => a.labels.alertname === 'PostgresHAStandbyNotStreaming');
        if (still.length > 0) throw new Error(`still ${JSON.stringify(still.map((a) => [a.labels.member, a.state]))}`);
        return true;
      }, RECOVERY_MS));

      await t.step('SIGKILL to every container of every member, again each time one restarts: PostgresHANoPrimary fires', async () => {
        await crashLoop(t, db, members, ['postgres', 'agent'], async () => firing(await prometheus.alerts(), 'PostgresHANoPrimary').length > 0);
      });

      await t.step('the faults stop: the cluster re-forms with one primary, pgha_role shows it, and the alert clears', () => t.waitFor('one primary again and the alert gone', async () => {
        const now = await db.topology();
        const samples = await prometheus.query('pgha_role{role="primary"} == 1');
        if (samples.length !== 1 || samples[0].labels.member !== now.primary) throw new Error(`pgha_role primaries: ${JSON.stringify(samples.map((s) => s.labels.member))}, labelled ${now.primary}`);
        const still = (await prometheus.alerts()).filter((a) => a.labels.alertname === 'PostgresHANoPrimary');
        if (still.length > 0) throw new Error(`still ${still.map((a) => a.state)}`);
        return true;
      }, RECOVERY_MS));
    } finally {
      await prometheus.stop();
    }
  },
};
