// A backend ended by the kernel's OOM killer leaves the container running, so only the memory cgroup's
// count (reported by the supervisor) tells it: each rise becomes an OOMKilled Warning Event.
import type { SupervisorState } from '../../../agent/postgres/supervisor-client';
import { OomKillReporter } from '../../../agent/runtime/oom-kills';

function reporter() {
  const world: { state: SupervisorState | null } = { state: null };
  const events: Array<{ pod: string; type: string; reason: string; message: string }> = [];
  const r = new OomKillReporter(
    async () => world.state,
    { record: async (pod: { name: string }, type: 'Normal' | 'Warning', reason: string, message: string) => (events.push({ pod: pod.name, type, reason, message }), true) },
    'pg-1',
    { info: () => undefined },
  );
  const supervisor = (boot: string, oomKills: number) => {
    world.state = { boot, seq: 1, alive: true, oomKills, postgres: { status: 'running', mode: 'primary', pid: 40 }, command: { id: '', verb: '', status: '', message: '' } };
  };
  return { r, events, supervisor };
}

const ADVICE = 'PostgreSQL ends its other sessions and recovers as after a crash; raise the container\'s memory limit (resources) or lower what PostgreSQL may use (work_mem, shared_buffers, max_connections)';

it('posts an OOMKilled Warning Event when the count rises', async () => {
  const { r, events, supervisor } = reporter();
  supervisor('b1', 0);
  await r.check();
  supervisor('b1', 1);
  await r.check();
  expect(events).toEqual([{ pod: 'pg-1', type: 'Warning', reason: 'OOMKilled', message: `the kernel's OOM killer ended 1 process(es) of the postgres container (1 since it started), under its memory limit: ${ADVICE}` }]);
});

it('takes the count it first sees as the baseline, so a restarted agent does not repeat an Event', async () => {
  const { r, events, supervisor } = reporter();
  supervisor('b1', 3);
  await r.check();
  await r.check();
  expect(events).toEqual([]);
});

it('counts a new container (another supervisor boot) from zero', async () => {
  const { r, events, supervisor } = reporter();
  supervisor('b1', 2);
  await r.check();
  supervisor('b2', 1);
  await expect(r.check()).resolves.toMatch(/^the kernel's OOM killer ended 1 process\(es\) of the postgres container \(1 since it started\)/);
  expect(events).toHaveLength(1);
});

it('says nothing where the count cannot be read (-1) or the supervisor has not reported yet', async () => {
  const { r, events, supervisor } = reporter();
  await r.check();
  supervisor('b1', -1);
  await r.check();
  supervisor('b1', -1);
  await r.check();
  expect(events).toEqual([]);
});
