/**
 * Clock steps and skew on one member. The agents run on the suite's test image (skew-postgres.ts:
 * node:24-alpine's stand-in with libfaketime), so a line written into one agent container's
 * /tmp/faketimerc steps that agent's wall clock (Date, OpenSSL's certificate checks) and nothing else:
 * not its monotonic clock, not the postgres container, not the other members. The design times a
 * holder's silence on each observer's monotonic clock (a renewTime is only compared for change) and the
 * supervisor's fence on the boot clock; this walks through what would go wrong otherwise:
 *   1. a standby 10 min ahead: the primary's renewals are not "old" to it, no takeover;
 *   2. the primary 10 min behind, then 10 min ahead: it renews with a skewed renewTime and keeps the
 *      Lease (no self-fence), the standbys see each renewal as a sign of life;
 *   3. a standby 10 min ahead, the primary SIGKILLed: the failover as fast as without skew, to a standby;
 *   4. the new primary's agent 10 min ahead, then SIGSTOPped: its heartbeat deadline is on the boot
 *      clock, so the supervisor (on the real clock) still fences within the renew deadline, before the
 *      Lease expires (a wall-clock deadline would have been 10 min late).
 * Member mutual TLS is checked from the skewed members' clocks, with the offset that breaks it.
 * Throughout: a writer through the Service and a probe writing to each pod; no acknowledged write lost,
 * never two pods accepting writes.
 */
import { join } from 'node:path';
import { check } from '../../support/scenario';
import { delay } from '../../support/sleep';
import { dualPrimary } from '../../load/dual-primary';
import { now } from '../../load/write-log';
import { ROLE_LABEL, type Database } from '../database';
import { FaultWatch, firstAck, lastAck, secondsAfter } from '../fault-watch';
import { describeWrites } from '../rollout';
import { DEFAULT_MAJOR, type KubeContext, type KubeScenario } from '../scenario';
import { FAKETIME_FILE } from '../skew-postgres';
import { waitForQuorum } from './sync-failover';
import { BOOTSTRAP_MS, RECOVERY_MS } from './timeouts';

/** The chart's lease duration and renew deadline (the defaults). */
const LEASE_S = 10;
const RENEW_DEADLINE_S = 6;
/** How long each skew is held: past a whole lease duration, so a wrong takeover would have happened. */
const HOLD_MS = (LEASE_S + 2) * 1000;
const SKEW_S = 600;
/** libfaketime re-reads the file at most this long after it changed (FAKETIME_CACHE_DURATION=1). */
const FAKETIME_REREAD_MS = 1500;
/** An offset past the certificates' backdating (1 h): what breaks member TLS. */
const BREAKING_SKEW_S = -7200;
const TLS_PROBE = join(__dirname, '..', 'skew-tls-probe.mjs');
const PROBE_CLOCK_FILE = '/tmp/skew-probe-rc';

interface Lease {
  metadata: { resourceVersion: string };
  spec: { holderIdentity?: string; renewTime?: string; leaseTransitions?: number };
}

export const clockSkew: KubeScenario = {
  name: 'clock-skew',
  summary: 'skew-postgres: one agent\'s wall clock stepped ±10 min (libfaketime): no wrong takeover, no self-fence, the failover and the heartbeat fence on time, member TLS intact',
  chart: 'skew-postgres',
  majors: [DEFAULT_MAJOR],
  async run(t, db) {
    const lease = () => t.cluster.kubectl.json<Lease>(['get', 'lease', '-n', db.namespace, `${db.name}-leader`]);
    const before = await t.step('one pod labelled primary, two labelled replica, all ready', () => t.waitFor('the topology', () => db.topology(), BOOTSTRAP_MS));
    await t.step('both standbys streaming', () => t.waitFor('both standbys streaming', () => db.streaming(before.replicas), BOOTSTRAP_MS));
    await t.step('the Lease records both standbys as the synchronous quorum (ANY 1)', () => waitForQuorum(t, db, before.replicas, BOOTSTRAP_MS));
    const watch = await t.step(`a writer through Service ${db.name} (every 20 ms) and a probe writing to each pod's address`, () => FaultWatch.start(db, 1));
    const [ahead] = before.replicas;
    const primary = before.primary;
    let newPrimary = '';
    let third = '';
    let stoppedAt = 0;
    let settledAt = 0;
    let firstOnThird = 0;
    try {
      // 1. A standby ahead.
      await setClock(t, db, ahead, `+${SKEW_S}s`, SKEW_S);
      const transitions = (await lease()).spec.leaseTransitions;
      const startedAt = now();
      await t.step(`${primary} keeps the Lease and the writes for ${HOLD_MS / 1000} s (> lease ${LEASE_S} s) while ${ahead} runs ${SKEW_S / 60} min ahead`, () => holdsOn(t, db, watch, primary, startedAt));
      await tlsFrom(t, db, ahead, primary, `+${SKEW_S}s`, 'server-certificate-accepted');

      // 2. The primary behind, then ahead, then standing still.
      for (const offset of [-SKEW_S, SKEW_S]) {
        await setClock(t, db, primary, `${offset > 0 ? '+' : ''}${offset}s`, offset);
        const from = now();
        const skew = await t.step(`the Lease's renewTime follows ${primary}'s clock, ${offset > 0 ? 'ahead' : 'behind'} by ${SKEW_S / 60} min`, () => t.waitFor('a skewed renewTime', async () => {
          const s = (Date.parse((await lease()).spec.renewTime ?? '') - now()) / 1000;
          return Math.abs(s - offset) < 5 ? s : undefined;
        }, 10_000));
        await t.step(`renewTime ${skew.toFixed(1)} s off the real clock; ${primary} keeps the Lease and the writes for ${HOLD_MS / 1000} s, no self-fence`, () => holdsOn(t, db, watch, primary, from));
      }
      // A wall clock that stands still (libfaketime's absolute time): every renewal reads the same time.
      const frozen = new Date(Math.floor(now() / 1000) * 1000);
      await setClock(t, db, primary, frozen.toISOString().replace('T', ' ').replace(/\.000Z$/, ''));
      const frozenFrom = now();
      const renewTimes = new Set<string>();
      await t.step(`${primary}'s wall clock stands at ${frozen.toISOString()}: it keeps the Lease and the writes for ${HOLD_MS / 1000} s, each renewal still a change`, async () => {
        const sampler = setInterval(() => void lease().then((l) => l.spec.renewTime && renewTimes.add(l.spec.renewTime), () => undefined), 700);
        try {
          await holdsOn(t, db, watch, primary, frozenFrom);
        } finally {
          clearInterval(sampler);
        }
        check([...renewTimes].some((r) => Date.parse(r) === frozen.getTime()), `renewTimes seen: ${[...renewTimes].join(', ')}`);
      });
      await t.step(`renewTimes seen on the frozen clock: ${[...renewTimes].filter((r) => Date.parse(r) === frozen.getTime()).join(', ')}`, async () => undefined);
      await tlsFrom(t, db, primary, ahead, `-${SKEW_S}s`, 'server-certificate-accepted');
      await tlsFrom(t, db, primary, ahead, `${BREAKING_SKEW_S}s`, 'CERT_NOT_YET_VALID');
      await t.step(`the Lease never changed hands (leaseTransitions ${transitions})`, async () => {
        const now2 = await lease();
        check(now2.spec.holderIdentity === primary && now2.spec.leaseTransitions === transitions, `the Lease: ${JSON.stringify(now2.spec)}`);
      });
      await setClock(t, db, primary, null);

      // 3. A standby ahead, the primary killed.
      const killedAt = now();
      await t.step(`SIGKILL to every process of ${primary}'s containers (${ahead} still ${SKEW_S / 60} min ahead)`, () => t.cluster.killContainers(db.namespace, primary));
      newPrimary = await t.step('a standby is labelled primary', () => t.waitFor('a new primary', () => onePrimaryBut(db, primary), RECOVERY_MS));
      check(before.replicas.includes(newPrimary), `${newPrimary} was not a standby of ${primary}`);
      const firstWrite = await watch.writer.waitForAck((w) => w.at > killedAt && w.pod === newPrimary, RECOVERY_MS, `a write on ${newPrimary}`);
      await t.step(`${newPrimary} took the writer's writes ${secondsAfter(killedAt, firstWrite.at)} after the kill`, async () => undefined);
      const afterKill = await t.step(`${primary} restarted in place, back as a replica; both standbys streaming from ${newPrimary}`, () => t.waitFor('the old primary streaming', async () => {
        const topology = await db.topology();
        if (topology.primary !== newPrimary) throw new Error(`the primary is ${topology.primary}`);
        await db.streaming(topology.replicas);
        return topology;
      }, RECOVERY_MS));
      third = afterKill.replicas.find((r) => r !== primary) ?? '';
      await waitForQuorum(t, db, afterKill.replicas, RECOVERY_MS);
      settledAt = now();

      // 4. The new primary's agent ahead, then frozen.
      await setClock(t, db, newPrimary, `+${SKEW_S}s`, SKEW_S);
      stoppedAt = now();
      const stopped = await t.cluster.signalContainer(db.namespace, newPrimary, 'agent', 'SIGSTOP');
      try {
        await t.step(`SIGSTOP to every process of ${newPrimary}'s agent container (${stopped}), its clock ${SKEW_S / 60} min ahead`, async () => undefined);
        third = await t.step('another standby is labelled primary', () => t.waitFor('a new primary', () => onePrimaryBut(db, newPrimary), RECOVERY_MS));
        firstOnThird = (await watch.writer.waitForAck((w) => w.at > stoppedAt && w.pod === third, RECOVERY_MS, `a write on ${third}`)).at;
        await delay(3000);
      } finally {
        await t.cluster.signalContainer(db.namespace, newPrimary, 'agent', 'SIGCONT');
      }
      await t.step(`kubectl logs ${newPrimary} -c postgres: the supervisor fenced on the heartbeat deadline`, () => t.waitFor('the fencing line', async () => {
        const log = await t.cluster.sh(`kubectl logs -n ${db.namespace} ${newPrimary} -c postgres`);
        return log.split('\n').find((l) => l.includes('fencing: heartbeat deadline'));
      }, 30_000));
      await setClock(t, db, newPrimary, null);
      await t.step(`${newPrimary} back as a ready replica streaming from ${third}`, () => t.waitFor(`${newPrimary} streaming`, async () => {
        const topology = await db.topology();
        if (topology.primary !== third) throw new Error(`the primary is ${topology.primary}`);
        await db.streaming(topology.replicas);
        return topology;
      }, RECOVERY_MS));
    } finally {
      for (const pod of before.replicas.concat(primary)) await setClock(t, db, pod, null).catch(() => undefined);
    }
    const { writes, probeAcks } = await watch.finish();
    // Per failover: the first member primary again at the end spans the whole run, so the run-wide
    // figure would count the middle primary's whole term as an overlap.
    const dualPrimaryMs = Math.max(dualPrimary(probeAcks.filter((a) => a.at < settledAt)), dualPrimary(probeAcks.filter((a) => a.at >= settledAt)));
    const fencedLast = lastAck(probeAcks, newPrimary);
    const thirdFirst = firstAck(probeAcks, third, stoppedAt);
    await t.step(`stopped with its clock ahead, ${newPrimary} last accepted a direct write ${secondsAfter(stoppedAt, fencedLast)} after the SIGSTOP (renew deadline ${RENEW_DEADLINE_S} s), ${third} first ${secondsAfter(stoppedAt, thirdFirst)} (lease ${LEASE_S} s), through the Service ${secondsAfter(stoppedAt, firstOnThird)}`, async () => {
      check(fencedLast !== undefined && thirdFirst !== undefined, 'the probe saw no write on one of the two primaries');
      check(fencedLast < thirdFirst, `${newPrimary} accepted a direct write ${secondsAfter(thirdFirst, fencedLast)} after ${third} began to`);
      check(fencedLast - stoppedAt < LEASE_S * 1000, `${newPrimary} still accepted writes ${secondsAfter(stoppedAt, fencedLast)} after the SIGSTOP, past the lease duration`);
    });
    await t.step(`writer: ${describeWrites(writes)}; never two pods accepting writes`, async () => {
      check(writes.lost === 0, `${writes.lost} acknowledged writes lost`);
      check(writes.primaries.join(' → ') === `${primary} → ${newPrimary} → ${third}`, `the writes went to ${writes.primaries.join(' → ')}`);
      check(dualPrimaryMs === 0, `two pods accepted direct writes over the same ${dualPrimaryMs.toFixed(0)} ms`);
    });
  },
};

/**
 * `kubectl exec <pod> -c agent`: writes `line` into /tmp/faketimerc (an offset such as +600s, or an
 * absolute time at which the clock stands still; null removes the file: real time), waits until
 * libfaketime has re-read it, and checks a process of that container runs `expectedS` off the real clock.
 */
async function setClock(t: KubeContext, db: Database, pod: string, line: string | null, expectedS = 0): Promise<void> {
  const exec = `kubectl exec -n ${db.namespace} ${pod} -c agent --`;
  const write = line === null ? `rm -f ${FAKETIME_FILE}` : `echo ${line} > ${FAKETIME_FILE}`;
  await t.step(`${exec} sh -c '${write}'`, async () => {
    await t.cluster.sh(`${exec} sh -c '${write}'`);
    await delay(FAKETIME_REREAD_MS);
    const seen = (Number(await t.cluster.sh(`${exec} node -e 'console.log(Date.now())'`)) - now()) / 1000;
    // An absolute time (libfaketime without '@') stands still: how far off it is depends on when it is read.
    const wanted = line !== null && !/^[+-]/.test(line) ? (Date.parse(`${line.replace(' ', 'T')}Z`) - now()) / 1000 : expectedS;
    check(Math.abs(seen - wanted) < 5, `${pod}'s agent container runs ${seen.toFixed(1)} s off the real clock, not ${wanted.toFixed(1)} s`);
  });
}

/** For HOLD_MS: `primary` the only pod labelled primary and the Lease's holder, the writer's writes on it. */
async function holdsOn(t: KubeContext, db: Database, watch: FaultWatch, primary: string, from: number): Promise<void> {
  let lastWrite = 0;
  const elsewhere = new Set<string>();
  const off = watch.writer.onAck((w) => {
    if (w.pod === primary) lastWrite = w.at;
    else elsewhere.add(w.pod);
  });
  try {
    while (now() - from < HOLD_MS) {
      const primaries = (await db.members()).filter((p) => p.labels[ROLE_LABEL] === 'primary').map((p) => p.name);
      check(primaries.join() === primary, `pods labelled primary: ${primaries.join(', ') || 'none'}`);
      const holder = (await t.cluster.kubectl.json<Lease>(['get', 'lease', '-n', db.namespace, `${db.name}-leader`])).spec.holderIdentity;
      check(holder === primary, `the Lease is held by ${holder}`);
      await delay(1000);
    }
  } finally {
    off();
  }
  check(elsewhere.size === 0, `writes landed on ${[...elsewhere].join(', ')}`);
  check(now() - lastWrite < 1000, `the writer's last write on ${primary} was ${secondsAfter(lastWrite, now())} ago`);
}

async function onePrimaryBut(db: Database, old: string): Promise<string | undefined> {
  const primaries = (await db.members()).filter((p) => p.labels[ROLE_LABEL] === 'primary' && !p.deleting).map((p) => p.name);
  return primaries.length === 1 && primaries[0] !== old ? primaries[0] : undefined;
}

/**
 * The member TLS handshake `from` → `to`'s port 8009 on `from`'s container with its wall clock at
 * `offset` (e2e/k8s/skew-tls-probe.mjs, a clock file of its own so the agent's is untouched).
 */
async function tlsFrom(t: KubeContext, db: Database, from: string, to: string, offset: string, expected: string): Promise<void> {
  const exec = `kubectl exec -n ${db.namespace} ${from} -c agent --`;
  const address = (await t.cluster.pod(db.namespace, to))?.ip;
  const secret = await t.cluster.sh(`kubectl get pod -n ${db.namespace} ${from} -o jsonpath='{.spec.containers[?(@.name=="agent")].env[?(@.name=="PGHA_MEMBER_CA_SECRET")].value}'`);
  const ca = await t.cluster.sh(`kubectl get secret -n ${db.namespace} ${secret.trim()} -o jsonpath='{.data.ca\\.crt}'`);
  await t.step(`member TLS from ${from} to ${to}:8009 on a clock ${offset} off: ${expected}`, async () => {
    await t.cluster.sh(`kubectl exec -i -n ${db.namespace} ${from} -c agent -- sh -c 'cat > /tmp/skew-tls-probe.mjs && echo ${offset} > ${PROBE_CLOCK_FILE}' < ${TLS_PROBE}`);
    const out = await t.cluster.sh(`${exec} env FAKETIME_TIMESTAMP_FILE=${PROBE_CLOCK_FILE} node /tmp/skew-tls-probe.mjs ${address} 8009 ${ca}`);
    const { outcome } = JSON.parse(out.trim()) as { clock: string; outcome: string };
    check(outcome === expected, `outcome ${outcome}: ${out.trim()}`);
  });
}
