/**
 * A stranger in the namespace: a pod that is not a member (node:24-alpine, none of the cluster's labels,
 * the default ServiceAccount) reaches every agent, as any pod does wherever the CNI does not enforce
 * NetworkPolicy (this cluster's bridge CNI does not). It tries what steers an agent: POST /failsafe
 * (confirming a member during an API outage), POST /wake, GET /watch, and the members' GET /status, on
 * the open port without credentials and on the member port without a client certificate and with a
 * forged one naming a member. Each is refused: 403 on the open port, a failed TLS handshake on the
 * member port. Then, while it keeps "confirming" every member to every other member (a round every
 * 50 ms plus the round's own time), the primary's containers are SIGKILLed: another member takes over as on an idle cluster.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey, issue } from '../../../agent/tls/x509';
import { check } from '../../support/scenario';
import { DEFAULT_MAJOR, type KubeScenario } from '../scenario';
import { failoverWalkThrough } from './failover';
import { BOOTSTRAP_MS } from './timeouts';

const MEMBERS = ['ha-postgres-0', 'ha-postgres-1', 'ha-postgres-2'];
const CLIENT = join(__dirname, '..', 'stranger-client.mjs');

interface Attempt {
  readonly member: string;
  readonly port: number;
  readonly credential: string;
  readonly request: string;
  readonly outcome: string;
}

/** A client certificate naming `member`, signed by a CA the stranger made: what it can forge. */
function forgedCertificate(member: string): { cert: string; key: string } {
  const ca = generateKey();
  const key = generateKey();
  const now = Date.now();
  const cert = issue(
    { commonName: member, publicKey: key.publicKey, notBefore: new Date(now - 3_600_000), notAfter: new Date(now + 86_400_000), kind: { ca: false, dnsNames: [`${member}.ha-postgres-pods`], client: true } },
    { commonName: 'ha-postgres CA', ...ca },
  );
  return { cert, key: key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

/** Errors of the name lookup: the request never reached the member, so it proves no refusal. */
const UNRESOLVED = ['EAI_AGAIN', 'ENOTFOUND'];

/** 403 on the open port; on the member port the handshake fails, so no HTTP status at all. */
function refused(a: Attempt): boolean {
  return a.port === 8008 ? a.outcome === '403' : !/^\d+$/.test(a.outcome) && !UNRESOLVED.includes(a.outcome);
}

export const stranger: KubeScenario = {
  name: 'stranger',
  summary: 'ha-postgres: a pod that is not a member is refused every steering request (403 / TLS handshake failure); a failover happens on time while it keeps confirming the dead primary',
  chart: 'ha-postgres',
  majors: [DEFAULT_MAJOR],
  async run(t, db) {
    await t.step('one pod labelled primary, two labelled replica, all ready', () => t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS));

    await t.step('ConfigMap stranger: the client script and a client certificate naming ha-postgres-0 signed by a CA of its own', async () => {
      const forged = forgedCertificate(MEMBERS[0]);
      await t.cluster.kubectl.apply(JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'stranger', namespace: 'demo' },
        data: { 'stranger-client.mjs': readFileSync(CLIENT, 'utf8'), 'forged.crt': forged.cert, 'forged.key': forged.key },
      }));
    });
    await t.step('pod stranger (node:24-alpine, no cluster labels) starts POST /failsafe?from=<each member> to every other member, a round every 50 ms', async () => {
      await t.cluster.kubectl.apply(JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'stranger', namespace: 'demo' },
        spec: {
          restartPolicy: 'Never',
          // The namespace enforces the restricted Pod Security Standard: the stranger is an ordinary pod.
          securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: 'stranger',
            image: 'node:24-alpine',
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            command: ['node', '/stranger/stranger-client.mjs', 'loop', ...MEMBERS],
            env: [{ name: 'PODS_SERVICE', value: 'ha-postgres-pods' }],
            volumeMounts: [{ name: 'stranger', mountPath: '/stranger', readOnly: true }],
          }],
          volumes: [{ name: 'stranger', configMap: { name: 'stranger' } }],
        },
      }));
      await t.cluster.kubectl.run(['wait', '-n', 'demo', '--for=condition=Ready', 'pod/stranger', '--timeout=60s'], undefined, 70_000);
    });

    await t.step('kubectl exec stranger -- node /stranger/stranger-client.mjs once <members>: every steering request refused', async () => {
      const out = await t.cluster.kubectl.run(['exec', '-n', 'demo', 'stranger', '--', 'node', '/stranger/stranger-client.mjs', 'once', ...MEMBERS], undefined, 120_000);
      const list = out.trim().split('\n').map((line) => JSON.parse(line) as Attempt);
      const byKind = new Map<string, Set<string>>();
      for (const a of list) {
        const key = `${a.port} ${a.credential.padEnd(7)} ${a.request.replace(/from=\S+/, 'from=<member>')}`;
        byKind.set(key, new Set([...(byKind.get(key) ?? []), a.outcome]));
      }
      for (const [key, outcomes] of byKind) console.log(`      ${key} → ${[...outcomes].join(', ')}`);
      const heard = list.filter((a) => !refused(a));
      check(heard.length === 0, `heard: ${JSON.stringify(heard)}`);
      check(list.length === MEMBERS.length * 11, `${list.length} attempts, expected ${MEMBERS.length * 11}`);
    });

    await failoverWalkThrough(t, db, {
      description: (pod) => `SIGKILL to every process of ${pod}'s containers while the stranger keeps confirming it to the standbys`,
      inject: async (t2, _db, topology) => { await t2.cluster.killContainers('demo', topology.primary); },
      aftermath: 'restarted in place by the kubelet',
      happened: (podBefore, now) => now.uid === podBefore.uid && Object.entries(now.restarts).every(([c, n]) => n > (podBefore.restarts[c] ?? 0)),
    });

    await t.step('kubectl logs stranger --tail=1: the confirmations sent, by outcome (ECONNREFUSED: while the primary was dead), none heard', async () => {
      const last = (await t.cluster.kubectl.run(['logs', '-n', 'demo', 'stranger', '--tail=1'])).trim();
      const { attempts: total, outcomes } = JSON.parse(last) as { attempts: number; outcomes: Record<string, number> };
      for (const [key, n] of Object.entries(outcomes)) console.log(`      ${key}: ${n}`);
      // An HTTP answer other than the open port's 403 means a decision was reached; a refused or timed-out
      // connection (the killed member) or a failed handshake means it was not.
      const heard = Object.keys(outcomes).filter((key) => {
        const [port, , outcome] = key.split(' ');
        return /^\d+$/.test(outcome) && !(port === '8008' && outcome === '403');
      });
      check(heard.length === 0, `answered by a decision: ${heard.join(', ')}`);
      check(total > 100, `only ${total} attempts`);
      // Refused connections come only from the killed member: the stranger was confirming while it was dead.
      check((outcomes['8009 forged ECONNREFUSED'] ?? 0) + (outcomes['8009 no-cert ECONNREFUSED'] ?? 0) > 0, 'no attempt while the primary was dead');
    });
  },
};
