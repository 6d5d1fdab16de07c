// The auth Secret deleted by hand (kubectl delete secret pg-auth): the serving primary creates it again
// with the passwords the roles have, never new ones, and says so; a Secret the user named is reported,
// not re-created.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePgpass } from '../../../agent/credentials';
import type { AgentConfig } from '../../../agent/config';
import type { ActorDeps } from '../../../agent/runtime/actor-deps';
import { AUTH_SECRET_CHECK_MS, AuthSecretKeeper } from '../../../agent/runtime/auth-secret';
import { Effects } from '../../../agent/runtime/effects';
import { config } from '../core/observation-builder';

const STORED = { POSTGRES_USER: 'postgres', POSTGRES_PASSWORD: 'su:pw\\1', REPLICATION_USER: 'replicator', REPLICATION_PASSWORD: 'repl-pw' };
const LABELS = { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': 'pg', 'app.kubernetes.io/managed-by': 'cdk8s-postgres-ha' };

let runDir: string;
beforeEach(() => (runDir = mkdtempSync(join(tmpdir(), 'auth-secret-'))));
afterEach(() => rmSync(runDir, { recursive: true, force: true }));

function keeper(overrides: Partial<AgentConfig> = {}) {
  const world = { secret: { ...STORED } as Record<string, string> | null, now: 0, getFails: false };
  const created: Array<{ name: string; data: Record<string, string>; labels: Record<string, string> }> = [];
  const events: Array<{ type: string; reason: string; message: string }> = [];
  const deps = {
    config: config({ runDir, ...overrides }),
    now: () => world.now,
    secrets: {
      get: async () => {
        if (world.getFails) throw new Error('503 Service Unavailable');
        return world.secret;
      },
      create: async (name: string, data: Record<string, string>, labels: Record<string, string>) => {
        created.push({ name, data, labels });
        world.secret = data;
        return 'created';
      },
    },
    events: { record: async (_on: unknown, type: string, reason: string, message: string) => void events.push({ type, reason, message }) },
  } as unknown as ActorDeps;
  const effects = new Effects(deps);
  return { keep: new AuthSecretKeeper(deps, effects), effects, world, created, events };
}

describe('the serving primary', () => {
  it('creates a deleted auth Secret again with the passwords it loaded while the Secret existed, with an AuthSecretRecreated Event', async () => {
    const { keep, world, created, events } = keeper();
    await expect(keep.keep()).resolves.toBeNull();
    world.secret = null;
    world.now += AUTH_SECRET_CHECK_MS;
    await expect(keep.keep()).resolves.toBe('Secret pg-auth re-created');
    expect(created).toEqual([{ name: 'pg-auth', data: STORED, labels: LABELS }]);
    expect(events).toEqual([{ type: 'Warning', reason: 'AuthSecretRecreated', message: "the Secret pg-auth was missing (deleted by hand?): created it again with the passwords the cluster's roles have" }]);
  });

  it('takes the passwords from the pgpass file when its agent restarted after the Secret was deleted', async () => {
    await writePgpass(runDir, { superuserPassword: 'su:pw\\1', replicationPassword: 'repl-pw' });
    const { keep, world, created } = keeper();
    world.secret = null;
    await expect(keep.keep()).resolves.toBe('Secret pg-auth re-created');
    expect(created.map((c) => c.data)).toEqual([STORED]);
  });

  it('reads the Secret once per check period, not every tick', async () => {
    const { keep, world, created } = keeper();
    await keep.keep();
    world.secret = null;
    world.now += AUTH_SECRET_CHECK_MS - 1;
    await expect(keep.keep()).resolves.toBeNull();
    expect(created).toEqual([]);
  });

  it('takes an API error for no answer, not for a missing Secret', async () => {
    const { keep, world, created, events } = keeper();
    await keep.keep();
    world.getFails = true;
    world.now += AUTH_SECRET_CHECK_MS;
    await expect(keep.keep()).resolves.toBeNull();
    expect([created, events]).toEqual([[], []]);
  });

  it('never makes up passwords: without them it leaves the Secret missing, with an AuthSecretMissing Event', async () => {
    const { keep, world, created, events } = keeper();
    world.secret = null;
    await expect(keep.keep()).resolves.toBe('Secret pg-auth is missing; the passwords are not known here');
    expect(created).toEqual([]);
    expect(events).toEqual([{ type: 'Warning', reason: 'AuthSecretMissing', message: 'the Secret pg-auth is missing and this member does not hold the passwords: not re-creating it, as new passwords would lock out the standbys and the applications' }]);
  });

  it("does not re-create the user's own Secret, and says once what that means", async () => {
    const { keep, world, created, events } = keeper({ authSecret: 'app-db', authSecretManaged: false });
    await keep.keep();
    world.secret = null;
    for (let i = 0; i < 2; i++) {
      world.now += AUTH_SECRET_CHECK_MS;
      await expect(keep.keep()).resolves.toBe("Secret app-db is missing (the user's: not re-created)");
    }
    expect(created).toEqual([]);
    expect(events).toEqual([{ type: 'Warning', reason: 'AuthSecretMissing', message: "the Secret app-db (the cluster's authSecret) is missing: the members serve on with the passwords they hold, but a new member cannot start and applications cannot read them until you restore it; the agents do not re-create a Secret they did not create" }]);
  });
});
