/**
 * The object store down for a while: PostgreSQL keeps every segment it could not archive, the primary's
 * /status shows the backlog and the error, `kubectl get events` shows a WalArchiveBacklog Warning, and
 * once the store is back the backlog drains with no segment missing.
 */
import { check } from '../../support/scenario';
import { missingSegments, segmentNumber, startStore, storeClient, walRoot, writeAndSwitch } from '../backup-store';
import { DEFAULT_MAJOR, type KubeScenario } from '../scenario';
import { BOOTSTRAP_MS } from './timeouts';

interface ArchiveView {
  readonly backlog: number;
  readonly lastFailure: { readonly name: string; readonly error: string } | null;
}

export const backupStoreDown: KubeScenario = {
  name: 'backup-store-down',
  summary: 'backup-postgres: the S3 server stopped; WAL kept, backlog in /status and a Warning Event, archived without a gap once it is back',
  chart: 'backup-postgres',
  majors: [DEFAULT_MAJOR],
  run: async (t, db) => {
    const s3 = await startStore(t, db);
    try {
      const store = storeClient(s3);
      const { primary } = await t.step('one pod labelled primary, two labelled replica, all ready', () => t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS));
      const root = await walRoot(db);
      const archive = async () => ((await db.agentStatus(primary)) as { archive: ArchiveView }).archive;
      const first = await writeAndSwitch(db, 'kept_rows');
      await t.step(`${first} archived (the primary's /status: archive.backlog 0)`, () => t.waitFor('the backlog drained', async () => (await archive()).backlog === 0 && (await store.head(`${root}${first.slice(0, 8)}/${first}.gz`)) !== null, 60_000));

      await t.step('the S3 server stopped (SIGKILL)', () => s3.kill());
      const written: string[] = [];
      await t.step('rows written and three segments switched while the store is down', async () => {
        for (let i = 0; i < 3; i++) written.push(await writeAndSwitch(db, 'kept_rows'));
      });
      const view = await t.step(`the primary's /status: archive.backlog ≥ 3 and the error (curl http://<pod>:8008/status)`, () => t.waitFor('the backlog reported', async () => {
        const a = await archive();
        return a.backlog >= 3 && a.lastFailure ? a : undefined;
      }, 60_000));
      await t.step(`  reported: backlog ${view.backlog}; last error (${view.lastFailure!.name}): ${view.lastFailure!.error}`, async () => undefined);
      await t.step('the segments are still in pg_wal (select name from pg_ls_waldir())', async () => {
        const names = new Set((await db.sql<{ name: string }>(db.service(), 'select name from pg_ls_waldir()')).map((r) => r.name));
        const lost = written.filter((n) => !names.has(n));
        check(lost.length === 0, `gone from pg_wal before they were archived: ${lost.join(', ')}`);
      });
      const event = await t.step(`kubectl get events --field-selector reason=WalArchiveBacklog: a Warning on ${primary}`, () => t.waitFor('the Warning Event', async () => {
        const out = await t.cluster.sh(`kubectl get events -n ${db.namespace} --field-selector reason=WalArchiveBacklog,involvedObject.name=${primary} -o jsonpath='{range .items[*]}{.type} {.message}{"\\n"}{end}'`);
        return out.split('\n').find((l) => l.startsWith('Warning '));
      }, 150_000));
      await t.step(`  kubectl shows: ${event}`, async () => undefined);

      await t.step('the S3 server started again over the same folder', () => s3.restart());
      await t.step('the backlog drains: archive.backlog 0', () => t.waitFor('the backlog drained', async () => (await archive()).backlog === 0, 120_000));
      await t.step(`the store holds every segment from ${first} to ${written[written.length - 1]}, none missing`, async () => {
        const keys = new Set((await store.list(root)).map((o) => o.key.slice(root.length)));
        const timeline = first.slice(0, 8);
        const missing = missingSegments(keys, timeline, segmentNumber(first), segmentNumber(written[written.length - 1]));
        check(missing.length === 0, `missing from the store: ${missing.join(', ')}`);
      });
    } finally {
      await s3.stop();
    }
  },
};
