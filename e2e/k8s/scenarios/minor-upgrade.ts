/**
 * A minor upgrade as a GitOps repository does it: the image tag changes (`postgresImage`), the render
 * is re-applied, and the members are replaced in the rolling update's order with the writer running
 * (rolling-update.ts). The suite holds one image per major, so the "new minor" is the same postgres:17
 * image imported under a second tag (`ctr -n k8s.io images tag`): what is proven is the rollout of an
 * image change, not a change of binaries.
 */
import { DEFAULT_MAJOR, type KubeScenario } from '../scenario';
import { rolloutWalkThrough } from './rolling-update';

const CURRENT = `docker.io/library/postgres:${DEFAULT_MAJOR}`;
const NEXT = `postgres:${DEFAULT_MAJOR}-e2e-minor`;

export const minorUpgrade: KubeScenario = {
  name: 'minor-upgrade',
  summary: `hot-postgres re-applied with postgresImage ${NEXT} (a second tag of postgres:${DEFAULT_MAJOR}): rolled like a template change`,
  chart: 'hot-postgres',
  majors: [DEFAULT_MAJOR],
  async run(t, db) {
    await t.step(`ctr -n k8s.io images tag --force ${CURRENT} docker.io/library/${NEXT} on every node`, () => t.cluster.tagImage(CURRENT, `docker.io/library/${NEXT}`));
    await rolloutWalkThrough(t, db, { label: 'minor-upgrade', changes: { postgresImage: NEXT }, what: `postgresImage ${NEXT}` });
    await t.step(`every postgres container runs ${NEXT}`, async () => {
      const images = await t.cluster.sh(`kubectl get pods -n ${db.namespace} -l ${db.selector} -o jsonpath='{range .items[*]}{.spec.containers[0].image}{"\\n"}{end}'`);
      const wrong = images.split('\n').filter((i) => i !== '' && i !== NEXT);
      if (wrong.length > 0) throw new Error(`images: ${images}`);
    });
  },
};
