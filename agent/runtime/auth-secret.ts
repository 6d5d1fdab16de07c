// The serving primary keeps the auth Secret. Deleted by hand (`kubectl delete secret <name>-auth`), it
// takes the applications' and new members' passwords with it, while the roles in PostgreSQL keep theirs:
// fresh random passwords would lock everyone out. So the primary creates it again with the passwords it
// holds (loaded from the Secret while it existed, or the pgpass file its agent wrote), and says so. A
// Secret the user named is theirs (GitOps, an external secrets operator): it is reported, not re-created.
import { createCredentialsSecret, managedSecretLabels, readPgpass } from '../credentials';
import type { ActorDeps } from './actor-deps';
import type { Effects } from './effects';

/**
 * How often the primary reads the Secret: a GET every 5 retry periods (default), so a deleted Secret is
 * back within seconds at a fifth of the API calls a check every tick would make.
 */
export const AUTH_SECRET_CHECK_MS = 5000;

export class AuthSecretKeeper {
  private checkedAt: number | null = null;

  constructor(
    private readonly d: ActorDeps,
    private readonly effects: Effects,
  ) {}

  /** After a renewal as the serving primary; returns what it did, or null when nothing was needed. */
  async keep(): Promise<string | null> {
    const now = this.d.now();
    if (this.checkedAt !== null && now - this.checkedAt < AUTH_SECRET_CHECK_MS) return null;
    this.checkedAt = now;
    const { authSecret: name, authSecretManaged: managed, clusterName, runDir } = this.d.config;
    // An API error is not an absence: look again at the next check.
    const data = await this.d.secrets.get(name).catch(() => undefined);
    if (data === undefined) return null;
    if (data !== null) {
      // Hold the passwords while they can be read, so they are known when the Secret is gone.
      await this.effects.ensureCredentials(false);
      return null;
    }
    if (!managed) {
      await this.effects.eventOnce('Warning', 'AuthSecretMissing', `the Secret ${name} (the cluster's authSecret) is missing: the members serve on with the passwords they hold, but a new member cannot start and applications cannot read them until you restore it; the agents do not re-create a Secret they did not create`);
      return `Secret ${name} is missing (the user's: not re-created)`;
    }
    const held = this.effects.heldCredentials() ?? (await readPgpass(runDir));
    if (!held) {
      await this.effects.eventOnce('Warning', 'AuthSecretMissing', `the Secret ${name} is missing and this member does not hold the passwords: not re-creating it, as new passwords would lock out the standbys and the applications`);
      return `Secret ${name} is missing; the passwords are not known here`;
    }
    const created = await createCredentialsSecret(this.d.secrets, name, held, managedSecretLabels(clusterName)).catch((error: Error) => error.message);
    if (created !== 'created') return created === 'exists' ? null : `could not re-create Secret ${name}: ${created}`;
    void this.effects.event('Warning', 'AuthSecretRecreated', `the Secret ${name} was missing (deleted by hand?): created it again with the passwords the cluster's roles have`);
    return `Secret ${name} re-created`;
  }
}
