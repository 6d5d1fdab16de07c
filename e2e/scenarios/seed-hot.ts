/**
 * The seed's second walk-through (KubeDB's `hot-postgres`): hot standbys answer reads through
 * Service hot-postgres-replicas and refuse writes with PostgreSQL's read-only error.
 */
import { hotPostgres } from '../charts';
import { check, type Scenario } from '../harness/scenario';
import { agentStatuses, PostgresUnderTest } from './postgres-cluster';
import { BOOTSTRAP_MS } from './timeouts';

export const seedHot: Scenario = {
  name: 'seed-hot',
  summary: 'hot-postgres: standbys refuse writes, answer pg_last_wal_receive_lsn(), Service hot-postgres-replicas serves reads',
  chart: hotPostgres,
  diagnose: agentStatuses('hot-postgres'),
  async run(t) {
    const db = new PostgresUnderTest(t, 'hot-postgres');
    const { replicas } = await t.step('exactly one pod labelled primary, two labelled replica, all ready', () => db.waitForTopology(BOOTSTRAP_MS));
    await t.step('both hot standbys streaming from the primary', () => db.waitForStreaming(replicas, BOOTSTRAP_MS));

    await t.step('CREATE DATABASE on a standby fails: cannot execute CREATE DATABASE in a read-only transaction', async () => {
      const error = await db.sql(db.member(replicas[0]), 'create database standby').then(() => undefined, (e: Error) => e);
      check(error !== undefined, `${replicas[0]} accepted CREATE DATABASE`);
      check(error.message === 'cannot execute CREATE DATABASE in a read-only transaction', `unexpected error: ${error.message}`);
    });

    await t.step('select pg_last_wal_receive_lsn() works on a standby', async () => {
      const [row] = await db.sql<{ lsn: string | null }>(db.member(replicas[0]), 'select pg_last_wal_receive_lsn()::text as lsn');
      check(row.lsn !== null && /^[0-9A-F]+\/[0-9A-F]+$/.test(row.lsn), `pg_last_wal_receive_lsn() = ${row.lsn}`);
    });

    await t.step('a row written on the primary is read through Service hot-postgres-replicas, from a standby', async () => {
      await db.sql(db.service(), 'create table seed_hot (id int primary key)');
      await db.sql(db.service(), 'insert into seed_hot values (42)');
      const standbyAddresses = replicas.map((pod) => db.member(pod).host);
      await t.waitFor('the row on a standby through hot-postgres-replicas', async () => {
        const [row] = await db.sql<{ address: string; recovery: boolean; found: number }>(db.service('hot-postgres-replicas'),
          'select host(inet_server_addr()) as address, pg_is_in_recovery() as recovery, (select count(*) from seed_hot where id = 42)::int as found');
        if (!row.recovery || !standbyAddresses.includes(row.address)) throw new Error(`hot-postgres-replicas reached ${JSON.stringify(row)}`);
        return row.found === 1;
      }, 10_000);
    });
  },
};
