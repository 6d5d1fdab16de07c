import { Client } from 'pg';
import { scramVerifier } from '../../../agent/postgres/scram';
import { describeWithPostgres, PgFixture, PgServer } from '../../support/pg-fixture';

describeWithPostgres('scramVerifier with PostgreSQL', () => {
  let fixture: PgFixture;
  let server: PgServer;

  beforeAll(async () => {
    fixture = await PgFixture.create();
    // Log every statement, to show the password itself never reaches the server.
    server = await fixture.createPrimary('scram', { settings: { log_statement: "'all'" } });
  }, 60_000);

  afterAll(async () => {
    await fixture?.cleanup();
  });

  /** Logs in over TCP, where pg_hba.conf asks for scram-sha-256. */
  async function logIn(user: string, password: string): Promise<string> {
    const client = new Client({ host: '127.0.0.1', port: server.port, user, password, database: 'postgres' });
    await client.connect();
    try {
      return (await client.query<{ user: string }>('SELECT current_user AS user')).rows[0].user;
    } finally {
      await client.end();
    }
  }

  it('sets a password that logs in, while only the verifier reaches the server', async () => {
    const password = 'correct horse battery staple!';
    await server.query(`CREATE ROLE app LOGIN PASSWORD '${scramVerifier(password)}'`);

    expect(await logIn('app', password)).toBe('app');
    await expect(logIn('app', 'wrong')).rejects.toThrow('password authentication failed for user "app"');
    expect(await server.log()).toContain('CREATE ROLE app LOGIN PASSWORD');
    expect(await server.log()).not.toContain(password);
  });

  it("makes the verifier PostgreSQL makes itself, given its salt and iteration count", async () => {
    await server.query("SET password_encryption = 'scram-sha-256'; CREATE ROLE own LOGIN PASSWORD 'its own secret'");
    const stored = await server.queryValue<string>("SELECT rolpassword FROM pg_authid WHERE rolname = 'own'");
    const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored)!;

    expect(scramVerifier('its own secret', { salt: Buffer.from(salt, 'base64'), iterations: Number(iterations) })).toBe(stored);
  });
});
