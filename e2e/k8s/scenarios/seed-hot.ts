/**
 * The seed's second walk-through (KubeDB's `hot-postgres`) on the real cluster: hot standbys answer
 * reads through Service hot-postgres-replicas and refuse writes with PostgreSQL's read-only error.
 */
import { check } from '../../support/scenario';
import { ALL_MAJORS, type KubeScenario } from '../scenario';
import { BOOTSTRAP_MS } from './timeouts';

export const seedHot: KubeScenario = {
  name: 'seed-hot',
  summary: 'hot-postgres: standbys refuse writes, answer pg_last_wal_receive_lsn(), Service hot-postgres-replicas serves reads',
  chart: 'hot-postgres',
  majors: ALL_MAJORS,
  async run(t, db) {
    const { replicas } = await t.step('one pod labelled primary, two labelled replica, all ready', () => t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS));
    await t.step('both hot standbys streaming from the primary', () => t.waitFor('both standbys streaming', () => db.streaming(replicas), BOOTSTRAP_MS));

    await t.step(`CREATE DATABASE on ${replicas[1]} (by its pod IP) fails: cannot execute CREATE DATABASE in a read-only transaction`, async () => {
      const error = await db.sql(db.member(replicas[1]), 'create database standby').then(() => undefined, (e: Error) => e);
      check(error !== undefined, `${replicas[1]} accepted CREATE DATABASE`);
      check(error.message === 'cannot execute CREATE DATABASE in a read-only transaction', `unexpected error: ${error.message}`);
    });

    await t.step('select pg_last_wal_receive_lsn() answers on that standby', async () => {
      const [row] = await db.sql<{ lsn: string | null }>(db.member(replicas[1]), 'select pg_last_wal_receive_lsn()::text as lsn');
      check(row.lsn !== null && /^[0-9A-F]+\/[0-9A-F]+$/.test(row.lsn), `pg_last_wal_receive_lsn() = ${row.lsn}`);
    });

    await t.step('a row written through Service hot-postgres is read through Service hot-postgres-replicas, from a standby', async () => {
      await db.sql(db.service(), 'create table seed_hot (id int primary key)');
      await db.sql(db.service(), 'insert into seed_hot values (42)');
      const standbyAddresses = await Promise.all(replicas.map(async (pod) => (await db.member(pod)).host));
      await t.waitFor('the row on a standby through hot-postgres-replicas', async () => {
        const [row] = await db.sql<{ address: string; recovery: boolean; found: number }>(db.service('hot-postgres-replicas'),
          'select host(inet_server_addr()) as address, pg_is_in_recovery() as recovery, (select count(*) from seed_hot where id = 42)::int as found');
        if (!row.recovery || !standbyAddresses.includes(row.address)) throw new Error(`hot-postgres-replicas reached ${JSON.stringify(row)}`);
        return row.found === 1;
      }, 10_000);
    });
  },
};
