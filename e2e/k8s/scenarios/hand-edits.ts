/**
 * Hand edits a person may make to the objects the agents own, one after another with a writer running:
 * the Lease deleted, a standby labelled primary, the auth Secret deleted, a switchover requested to a pod
 * that does not exist. Each is repaired or refused with a Warning Event that says what happened; the
 * primary never moves, no two pods accept writes, no acknowledged write is lost. The auth Secret comes
 * back with the same passwords, so a standby whose pod is then re-created (and needs them to stream)
 * rejoins.
 */
import { check } from '../../support/scenario';
import { now } from '../../load/write-log';
import { ROLE_LABEL, type Database } from '../database';
import { checkStayedOnPrimary, FaultWatch, secondsAfter, type FaultRecord } from '../fault-watch';
import { agentEvents } from '../rollout';
import { DEFAULT_MAJOR, type KubeContext, type KubeScenario } from '../scenario';
import { BOOTSTRAP_MS } from './timeouts';

/** How long a repair may take: a few retry periods (1 s each). */
const REPAIR_MS = 30_000;

/** `kubectl get events --field-selector reason=<reason>` until one mentions `fragment`. */
function eventFor(t: KubeContext, db: Database, reason: string, fragment: string): Promise<string> {
  return t.waitFor(`a ${reason} Event about ${fragment}`, async () => {
    const events = await agentEvents(t, db, reason);
    return events.find((e) => e.includes(fragment));
  }, REPAIR_MS);
}

export const handEdits: KubeScenario = {
  name: 'hand-edits',
  summary: 'hot-postgres: the Lease deleted, a standby labelled primary, the auth Secret deleted, a switchover to a pod that does not exist: each repaired or refused with an Event, the primary never moves',
  chart: 'hot-postgres',
  majors: [DEFAULT_MAJOR],
  async run(t, db) {
    const before = await t.step('one pod labelled primary, two labelled replica, all ready', () => t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS));
    await t.step('both standbys streaming', () => t.waitFor('both standbys streaming', () => db.streaming(before.replicas), BOOTSTRAP_MS));
    const lease = `${db.name}-leader`;
    const holder = () => t.cluster.sh(`kubectl get lease -n ${db.namespace} ${lease} -o jsonpath='{.spec.holderIdentity}' --ignore-not-found`).then((s) => s.trim());
    const watch = await t.step(`a writer through Service ${db.name} (every 20 ms) and a probe writing to each pod's address`, () => FaultWatch.start(db, 1));

    let record: FaultRecord | undefined;
    try {
      const deletedAt = now();
      await t.step(`kubectl delete lease -n ${db.namespace} ${lease}`, () => t.cluster.sh(`kubectl delete lease -n ${db.namespace} ${lease}`));
      const message = await t.step(`a LeaseRecreated Event from ${before.primary}`, () => eventFor(t, db, 'LeaseRecreated', before.primary));
      check(message.includes(`was missing`), `the Event says: ${message}`);
      const back = await t.waitFor(`Lease ${lease} held by ${before.primary} again`, async () => ((await holder()) === before.primary ? now() : undefined), REPAIR_MS);
      await t.step(`Lease ${lease} created again by ${before.primary} ${secondsAfter(deletedAt, back)} after the delete`, async () => undefined);

      const standby = before.replicas[0];
      const labelledAt = now();
      await t.step(`kubectl label pod -n ${db.namespace} ${standby} ${ROLE_LABEL}=primary --overwrite`, () => t.cluster.sh(`kubectl label pod -n ${db.namespace} ${standby} ${ROLE_LABEL}=primary --overwrite`));
      await t.step(`a RoleLabelRepaired Event about ${standby}`, () => eventFor(t, db, 'RoleLabelRepaired', `${standby} was labelled primary`));
      const repaired = await t.waitFor(`${standby} labelled replica again`, async () => {
        const pod = await t.cluster.pod(db.namespace, standby);
        return pod?.labels[ROLE_LABEL] === 'replica' ? now() : undefined;
      }, REPAIR_MS);
      await t.step(`${standby} labelled replica again ${secondsAfter(labelledAt, repaired)} after the edit`, async () => undefined);

      const secret = `kubectl get secret -n ${db.namespace} ${db.authSecret} --ignore-not-found -o jsonpath='{.data.POSTGRES_PASSWORD} {.data.REPLICATION_PASSWORD}'`;
      const passwords = (await t.cluster.sh(secret)).trim();
      check(passwords.includes(' '), `Secret ${db.authSecret} holds: ${passwords}`);
      const secretDeletedAt = now();
      await t.step(`kubectl delete secret -n ${db.namespace} ${db.authSecret}`, () => t.cluster.sh(`kubectl delete secret -n ${db.namespace} ${db.authSecret}`));
      const recreated = await t.waitFor(`Secret ${db.authSecret} back`, async () => ((await t.cluster.sh(secret)).trim() !== '' ? now() : undefined), REPAIR_MS);
      const recreatedMessage = await t.step(`an AuthSecretRecreated Event from ${before.primary}`, () => eventFor(t, db, 'AuthSecretRecreated', before.primary));
      check(recreatedMessage.includes('with the passwords the cluster\'s roles have'), `the Event says: ${recreatedMessage}`);
      await t.step(`Secret ${db.authSecret} created again ${secondsAfter(secretDeletedAt, recreated)} after the delete, with the same POSTGRES_PASSWORD and REPLICATION_PASSWORD`, async () => {
        check((await t.cluster.sh(secret)).trim() === passwords, `Secret ${db.authSecret} now holds other passwords`);
      });
      const [rejoining] = before.replicas;
      const oldUid = (await t.cluster.pod(db.namespace, rejoining))?.uid;
      await t.step(`kubectl delete pod -n ${db.namespace} ${rejoining} (a new pod: its replication password comes from the Secret)`, () => t.cluster.sh(`kubectl delete pod -n ${db.namespace} ${rejoining} --wait=false`));
      await t.step(`${rejoining} back, ready, streaming from ${before.primary}`, () => t.waitFor(`${rejoining} streaming`, async () => {
        const pod = await t.cluster.pod(db.namespace, rejoining);
        if (!pod || pod.deleting || pod.uid === oldUid) throw new Error(`${rejoining} not re-created yet`);
        const topology = await db.topology();
        await db.streaming(topology.replicas);
        return topology;
      }, BOOTSTRAP_MS));

      const ghost = `${db.name}-7`;
      await t.step(`kubectl annotate lease -n ${db.namespace} ${lease} cdk8s-postgres-ha/switchover-to=${ghost}`, () => t.cluster.sh(`kubectl annotate lease -n ${db.namespace} ${lease} cdk8s-postgres-ha/switchover-to=${ghost} --overwrite`));
      const rejected = await t.step('a SwitchoverRejected Event naming it', () => eventFor(t, db, 'SwitchoverRejected', ghost));
      check(rejected.includes(`${ghost} is not a member`), `the Event says: ${rejected}`);
      await t.step('the annotation is removed', () => t.waitFor('no switchover-to annotation', async () => {
        const value = await t.cluster.sh(`kubectl get lease -n ${db.namespace} ${lease} -o jsonpath='{.metadata.annotations.cdk8s-postgres-ha/switchover-to}'`);
        return value.trim() === '' ? true : undefined;
      }, REPAIR_MS));

      const after = await t.step('still one primary, the same, and two ready replicas streaming', () => t.waitFor('the topology', async () => {
        const topology = await db.topology();
        await db.streaming(topology.replicas);
        return topology;
      }, REPAIR_MS));
      check(after.primary === before.primary, `the primary moved to ${after.primary}`);
    } finally {
      record = await watch.finish();
    }
    await checkStayedOnPrimary(t, record, before.primary);
  },
};
