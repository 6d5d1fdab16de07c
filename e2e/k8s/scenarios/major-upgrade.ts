/**
 * A major upgrade the way README "Major upgrades" documents it (the in-place pg_upgrade is not built):
 * hot-postgres runs on postgres:15 with data; a second cluster, hot-postgres-17, is added on 17 with the
 * old cluster's credentials; the data is copied with `pg_dumpall | psql` between the two primaries; the
 * new cluster serves it (PostgreSQL 17, the rows, the sequence where it was, the old password, its
 * standbys); then the old cluster's render is deleted, as a repository that drops it would, and the new
 * one keeps its credentials and serves.
 */
import { check } from '../../support/scenario';
import { renderedFile } from '../charts';
import { Database } from '../database';
import type { KubeScenario } from '../scenario';
import { OLD_AUTH_SECRET, renderedUpgrade, UPGRADED } from '../upgrade-postgres';
import { BOOTSTRAP_MS, RECOVERY_MS } from './timeouts';

const ORDERS = 1000;

export const majorUpgrade: KubeScenario = {
  name: 'major-upgrade',
  summary: 'hot-postgres on 15 upgraded to 17 the documented way: a second cluster on 17 with the old credentials, pg_dumpall | psql, the old cluster removed',
  chart: 'hot-postgres',
  majors: ['15'],
  otherImages: ['17'],
  async run(t, db) {
    const old = await t.step('hot-postgres (postgres:15): one primary, both standbys streaming', async () => {
      const topology = await t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS);
      await t.waitFor('both standbys streaming', () => db.streaming(topology.replicas), BOOTSTRAP_MS);
      return topology;
    });
    await t.step(`${ORDERS} orders written through Service hot-postgres, on PostgreSQL 15`, async () => {
      const [row] = await db.sql<{ version: string }>(db.service(), 'select version()');
      check(row.version.startsWith('PostgreSQL 15.'), row.version);
      await db.sql(db.service(), 'create table orders (id bigserial primary key, note text not null)');
      await db.sql(db.service(), 'insert into orders (note) select \'order \' || n from generate_series(1, $1) n', [ORDERS]);
    });

    const file = renderedUpgrade();
    await t.step(`kubectl apply --server-side -f the render with a second cluster, ${UPGRADED} (version V17, authSecret ${OLD_AUTH_SECRET})`, async () => {
      await t.cluster.sh(`kubectl apply --server-side --validate=strict -f ${file}`);
    });
    const next = new Database(t.cluster, UPGRADED, db.namespace, OLD_AUTH_SECRET);
    const upgraded = await t.step(`${UPGRADED} (postgres:17): one primary, both standbys streaming`, async () => {
      const topology = await t.waitFor('the topology', () => next.topology(), BOOTSTRAP_MS);
      await t.waitFor('both standbys streaming', () => next.streaming(topology.replicas), BOOTSTRAP_MS);
      return topology;
    });

    const copy = `kubectl exec -n ${db.namespace} ${old.primary} -c postgres -- pg_dumpall -U postgres | kubectl exec -i -n ${db.namespace} ${upgraded.primary} -c postgres -- psql -U postgres -q`;
    await t.step(copy, async () => {
      const out = await t.cluster.sh(`${copy} 2>&1`);
      // The roles the new cluster made at its bootstrap exist already; psql says so and goes on.
      const errors = out.split('\n').filter((l) => l.includes('ERROR') && !/role "[^"]+" already exists/.test(l));
      check(errors.length === 0, `psql errors:\n${errors.join('\n')}`);
    });

    await t.step(`Service ${UPGRADED}: PostgreSQL 17, the ${ORDERS} orders, the sequence where it was, the old cluster's password`, async () => {
      const [version] = await next.sql<{ version: string }>(next.service(), 'select version()');
      check(version.version.startsWith('PostgreSQL 17.'), version.version);
      const [count] = await next.sql<{ n: string }>(next.service(), 'select count(*) as n from orders');
      check(Number(count.n) === ORDERS, `${count.n} orders`);
      const [id] = await next.sql<{ id: string }>(next.service(), 'insert into orders (note) values (\'after the upgrade\') returning id');
      check(Number(id.id) === ORDERS + 1, `the next order got id ${id.id}`);
    });
    await t.step(`Service ${UPGRADED}-replicas: a standby of the new cluster has them`, () => t.waitFor('the orders on a standby', async () => {
      const [count] = await next.sql<{ n: string }>(next.service(`${UPGRADED}-replicas`), 'select count(*) as n from orders');
      return Number(count.n) === ORDERS + 1 ? count : undefined;
    }, RECOVERY_MS));

    await t.step('kubectl delete -f the old render (the repository drops hot-postgres): its pods go', async () => {
      await t.cluster.sh(`kubectl delete --wait=true -f ${renderedFile('hot-postgres', '15')}`);
      await t.waitFor('the old pods gone', async () => ((await db.members()).length === 0 ? true : undefined), RECOVERY_MS);
    });
    await t.step(`Secret ${OLD_AUTH_SECRET} stays (made at run time, owned by nothing the render deletes); ${UPGRADED} serves with it`, async () => {
      await t.cluster.sh(`kubectl get secret -n ${db.namespace} ${OLD_AUTH_SECRET}`);
      const topology = await next.topology();
      check(topology.primary === upgraded.primary, `the primary moved to ${topology.primary}`);
      const [count] = await next.sql<{ n: string }>(next.service(), 'select count(*) as n from orders');
      check(Number(count.n) === ORDERS + 1, `${count.n} orders`);
    });
  },
};
