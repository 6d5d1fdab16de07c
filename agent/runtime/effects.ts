// The side effects every kind of step shares: supervisor commands, dynamic.conf, credentials, role
// labels and Events.
import { ROLE_LABEL } from '../core/annotations';
import { selfName } from '../core/facts';
import type { Observation, SyncSet } from '../core/types';
import { ensureManagedCredentials, loadCredentials, managedSecretLabels, writePgpass, type Credentials, type CredentialsResult } from '../credentials';
import type { ActorDeps } from './actor-deps';

export class Effects {
  private credentials: Credentials | null = null;
  private readonly eventsSent = new Set<string>();

  constructor(private readonly d: ActorDeps) {}

  /** Starts or initialises PostgreSQL; with ssl = on it does not start without its certificate and key. */
  async command(verb: 'init' | 'start-primary' | 'start-standby'): Promise<string> {
    if (verb !== 'init') {
      const tls = await this.d.tls.ensure();
      if (!tls.ok) return `${verb} waits: ${tls.reason}`;
    }
    const result = await this.d.supervisor.run(verb);
    return result.ok ? result.message : `${verb} failed: ${result.message}`;
  }

  /** `recovery`: only while a restore recovers (backup/recovery-target.ts); every other write drops it. */
  async writeDynamic(upstreamHost: string | null, sync: SyncSet, recovery?: ReadonlyArray<readonly [string, string]>): Promise<void> {
    await this.d.dynamicConf.write({
      upstreamHost,
      upstreamPort: this.d.config.postgresPort,
      applicationName: this.d.config.podName,
      passfile: `${this.d.config.runDir}/pgpass`,
      tls: this.d.tls.conninfo(),
      sync,
      ...(recovery ? { recovery } : {}),
    });
  }

  /** Loads the passwords (creating the Secret when bootstrapping a managed one) and writes the pgpass file. */
  async ensureCredentials(bootstrapping: boolean): Promise<CredentialsResult> {
    if (this.credentials) return { ok: true, credentials: this.credentials };
    const { config } = this.d;
    const result =
      bootstrapping && config.authSecretManaged
        ? await ensureManagedCredentials(this.d.secrets, config.authSecret, managedSecretLabels(config.clusterName))
        : await loadCredentials(this.d.secrets, config.authSecret);
    if (!result.ok) return result;
    await writePgpass(config.runDir, result.credentials);
    this.credentials = result.credentials;
    return result;
  }

  /** The passwords this member has loaded, if it has. */
  heldCredentials(): Credentials | null {
    return this.credentials;
  }

  /** Before anything else becomes primary, no other pod may keep the label the primary Service selects. */
  /** Takes the primary label off every other pod; returns the pods relabelled. */
  async relabelOthers(o: Observation): Promise<string[]> {
    const others = (o.pods ?? []).filter((p) => p.name !== selfName(o) && p.role === 'primary');
    const done = await Promise.all(others.map((p) => this.d.pods.patchLabels(p.name, { [ROLE_LABEL]: 'replica' }).then(() => p.name, () => null)));
    return done.filter((name): name is string => name !== null);
  }

  /** Labels this member's pod; with an observation, only when the label differs. */
  async labelSelf(role: 'primary' | 'replica', o?: Observation): Promise<void> {
    if (o && o.pods?.find((p) => p.name === this.d.config.podName)?.role === role) return;
    await this.d.pods.patchLabels(this.d.config.podName, { [ROLE_LABEL]: role }).catch(() => undefined);
  }

  async event(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    await this.d.events.record({ name: this.d.config.podName }, type, reason, message);
  }

  /** An Event for a condition that persists (a refusal to join): posted once, not every tick. */
  async eventOnce(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const key = `${reason}:${message}`;
    if (this.eventsSent.has(key)) return;
    this.eventsSent.add(key);
    await this.event(type, reason, message);
  }
}
