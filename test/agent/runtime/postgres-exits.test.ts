// The postmaster ending without being asked leaves the container running (the supervisor reports it and
// the agent starts PostgreSQL again), so only the supervisor's count tells it: each rise becomes a
// PostgresExited Warning Event saying how it ended.
import type { SupervisorState } from '../../../agent/postgres/supervisor-client';
import { PostgresExitReporter } from '../../../agent/runtime/postgres-exits';

function reporter() {
  const world: { state: SupervisorState | null } = { state: null };
  const events: Array<{ pod: string; type: string; reason: string; message: string }> = [];
  const r = new PostgresExitReporter(
    async () => world.state,
    { record: async (pod: { name: string }, type: 'Normal' | 'Warning', reason: string, message: string) => (events.push({ pod: pod.name, type, reason, message }), true) },
    'pg-1',
    { info: () => undefined },
  );
  const supervisor = (boot: string, exits: number | undefined, lastExit = 0) => {
    world.state = { boot, seq: 1, alive: true, postgres: { status: 'exited', mode: 'primary', pid: 0, exits, lastExit }, command: { id: '', verb: '', status: '', message: '' } };
  };
  return { r, events, supervisor };
}

const AFTER = 'the agent starts it again and it recovers as after a crash (kubectl logs -c postgres tells more)';

it('posts a PostgresExited Warning Event naming a SIGKILL (the OOM killer or kill -9) when the count rises', async () => {
  const { r, events, supervisor } = reporter();
  supervisor('b1', 0);
  await r.check();
  supervisor('b1', 1, 137);
  await r.check();
  expect(events).toEqual([{
    pod: 'pg-1', type: 'Warning', reason: 'PostgresExited',
    message: `PostgreSQL's postmaster (primary) ended without being asked: killed (SIGKILL: the kernel's OOM killer under the container's memory limit, or a kill -9); ${AFTER}`,
  }]);
});

it('names another signal, or the exit status, and how many exits one check saw', async () => {
  const { r, supervisor } = reporter();
  supervisor('b1', 0);
  await r.check();
  supervisor('b1', 1, 139);
  await expect(r.check()).resolves.toBe(`PostgreSQL's postmaster (primary) ended without being asked: ended by signal 11; ${AFTER}`);
  supervisor('b1', 3, 1);
  await expect(r.check()).resolves.toBe(`PostgreSQL's postmaster (primary) ended without being asked (2 times): exit status 1; ${AFTER}`);
});

it('takes the count it first sees as the baseline, and counts a new container (another supervisor boot) from zero', async () => {
  const { r, events, supervisor } = reporter();
  supervisor('b1', 2, 137);
  await r.check();
  await r.check();
  expect(events).toEqual([]);
  supervisor('b2', 1, 137);
  await r.check();
  expect(events).toHaveLength(1);
});

it('says nothing for a supervisor that does not report exits (an older image) or has not reported yet', async () => {
  const { r, events, supervisor } = reporter();
  await r.check();
  supervisor('b1', undefined);
  await r.check();
  await r.check();
  expect(events).toEqual([]);
});
