/**
 * Volume growth on the real cluster, as far as its storage allows. A StatefulSet's volume claim templates
 * are immutable in Kubernetes 1.37 (no StatefulSet volume claim template update, KEP-4650), so a render
 * that only raises `storageSize` is refused by the API server (shown with a server-side dry run). The
 * supported render keeps `initialStorageSize` at the first size: it applies, rolls like any template
 * change (the agents are told the new size), and each agent asks the API server to grow its own claim.
 * The suite's storage is a stand-in of static `local` volumes (e2e/cluster/local-volumes.ts) whose
 * StorageClass cannot expand, so what is proven here is the refusal path: every member posts
 * VolumeExpansionRefused with the API server's reason, and the cluster keeps serving. The growth itself
 * (the claim's request raised on an expandable class) is covered by unit tests against recorded requests.
 */
import { check } from '../../support/scenario';
import { Size } from 'cdk8s';
import { PostgresVersion } from '../../../lib';
import { renderedHotChange } from '../charts';
import { agentEvents } from '../rollout';
import { DEFAULT_MAJOR, type KubeScenario } from '../scenario';
import { rolloutWalkThrough } from './rolling-update';
import { BOOTSTRAP_MS, RECOVERY_MS } from './timeouts';

export const volumeGrowth: KubeScenario = {
  name: 'volume-growth',
  summary: 'hot-postgres with storageSize 50Mi → 60Mi: a changed claim template is refused by the API server; with initialStorageSize each agent asks to grow its claim, and says why the StorageClass refuses',
  chart: 'hot-postgres',
  majors: [DEFAULT_MAJOR],
  async run(t, db) {
    await t.step('one pod labelled primary, two labelled replica, all ready', () => t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS));
    const naive = renderedHotChange('volume-growth-naive', PostgresVersion.of(DEFAULT_MAJOR), { storageSize: Size.mebibytes(60) });
    await t.step('kubectl apply --server-side --dry-run=server -f the render with only storageSize: 60Mi: refused, the claim template is immutable', async () => {
      const error = await t.cluster.sh(`kubectl apply --server-side --dry-run=server -f ${naive}`).then(() => undefined, (e: Error) => e.message);
      check(error !== undefined && /The StatefulSet "hot-postgres" is invalid: spec\.volumeClaimTemplates: Invalid value: .*field is immutable/s.test(error), `the apply was not refused as expected: ${error}`);
    });

    await rolloutWalkThrough(t, db, {
      label: 'volume-growth',
      changes: { storageSize: Size.mebibytes(60), initialStorageSize: Size.mebibytes(50) },
      what: 'storageSize: 60Mi, initialStorageSize: 50Mi',
    });

    const refusals = await t.step('kubectl get events --field-selector reason=VolumeExpansionRefused: every member asked to grow its claim and tells the API server\'s answer', () =>
      t.waitFor('a VolumeExpansionRefused Event from every member', async () => {
        const events = await agentEvents(t, db, 'VolumeExpansionRefused');
        const pods = new Set(events.map((e) => e.split(/\s+/)[0]));
        return pods.size === 3 ? events : undefined;
      }, RECOVERY_MS));
    console.log(`      ${refusals[0]}`);
    check(refusals.every((e) => e.includes('cannot grow data-hot-postgres-') && e.includes('to 60Mi')), 'an Event does not name the claim and the size');

    await t.step('kubectl get pvc: every claim still requests 50Mi (nothing was resized behind the refusal)', async () => {
      const sizes = await t.cluster.sh(`kubectl get pvc -n ${db.namespace} -l app.kubernetes.io/instance=${db.name} -o jsonpath='{range .items[*]}{.spec.resources.requests.storage}{"\\n"}{end}'`);
      const list = sizes.split('\n').filter(Boolean);
      check(list.length === 3 && list.every((s) => s === '50Mi'), `claims request ${list.join(', ')}`);
    });
  },
};
