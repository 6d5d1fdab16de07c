import { formatLsn } from '../../../agent/postgres/lsn';
import { ControlData, readControlData } from '../../../agent/postgres/pg-control';
import { describeWithPostgres, PgFixture, PgServer, runAsPostgres } from '../../support/pg-fixture';

/** pg_controldata's view of the same fields, in its own words. */
async function controldata(server: PgServer): Promise<Record<string, string>> {
  const output = await runAsPostgres('pg_controldata', [server.dataDir]);
  const lines = output.split('\n').map((line) => line.split(/:\s+/, 2));
  const field = (name: string) => lines.find(([key]) => key === name)?.[1] ?? '(missing)';
  return {
    systemIdentifier: field('Database system identifier'),
    state: field('Database cluster state'),
    checkpointLsn: field('Latest checkpoint location'),
    checkpointRedoLsn: field("Latest checkpoint's REDO location"),
    checkpointTimeline: field("Latest checkpoint's TimeLineID"),
  };
}

function asPrinted(control: ControlData | null): Record<string, string> {
  if (control === null) {
    throw new Error('no pg_control');
  }
  return {
    systemIdentifier: control.systemIdentifier,
    state: control.state,
    checkpointLsn: formatLsn(control.checkpointLsn),
    checkpointRedoLsn: formatLsn(control.checkpointRedoLsn),
    checkpointTimeline: String(control.checkpointTimeline),
  };
}

describeWithPostgres('readControlData on PostgreSQL', () => {
  let fixture: PgFixture;
  let primary: PgServer;
  let standby: PgServer;

  beforeAll(async () => {
    fixture = await PgFixture.create();
    primary = await fixture.createPrimary('primary');
    standby = await fixture.createStandby('standby', primary, { hotStandby: false });
  }, 60_000);

  afterAll(async () => {
    await fixture?.cleanup();
  });

  it('reads what pg_controldata prints, of a running primary and a running warm standby', async () => {
    const [primaryControl, standbyControl] = await Promise.all([readControlData(primary.dataDir), readControlData(standby.dataDir)]);

    expect(asPrinted(primaryControl)).toEqual(await controldata(primary));
    expect(asPrinted(standbyControl)).toEqual(await controldata(standby));
    expect(primaryControl!.state).toBe('in production');
    expect(standbyControl!.state).toBe('in archive recovery');
    expect(standbyControl!.systemIdentifier).toBe(primaryControl!.systemIdentifier);
  });

  it('tells a cleanly stopped standby and primary from a crashed primary', async () => {
    await standby.stop('fast');
    await primary.stop('fast');
    expect((await readControlData(standby.dataDir))!.state).toBe('shut down in recovery');
    expect((await readControlData(primary.dataDir))!.state).toBe('shut down');

    await primary.start();
    await primary.stop('immediate');
    const crashed = await readControlData(primary.dataDir);
    expect(crashed!.state).toBe('in production');
    expect(asPrinted(crashed)).toEqual(await controldata(primary));
  });
});
