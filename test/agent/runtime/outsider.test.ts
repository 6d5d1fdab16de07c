// A pod beyond the rendered members (`kubectl scale` up): it refuses to join, says why once as an Event,
// and answers its probes so the kubelet keeps it idle rather than restarting it.
import type { AddressInfo } from 'node:net';
import { notAMember } from '../../../agent/config';
import type { EventRecorder } from '../../../agent/kube/events';
import { runOutsider } from '../../../agent/runtime/outsider';
import { config } from '../core/observation-builder';

const REASON = 'pg-3 is not a member of pg: the rendered replicas is 3 (pg-0 … pg-2). A pod beyond them comes from `kubectl scale` or an edit of '
  + 'the StatefulSet, which a GitOps tool reverts; it stays idle (no PostgreSQL, no clone) until it is removed. To add members, change `replicas` and render again.';

describe('a pod that is not a member', () => {
  it('is told from the rendered members, with what to do instead', () => {
    expect(notAMember(config({ podName: 'pg-3' }))).toBe(REASON);
    expect(notAMember(config({ podName: 'pg-2' }))).toBeNull();
  });

  it('posts one NotAMember Event, fails readiness with the reason, passes liveness and serves /status', async () => {
    const recorded: unknown[][] = [];
    const events = { record: async (...args: unknown[]) => (recorded.push(args), true) } as unknown as EventRecorder;
    const server = await runOutsider(config({ podName: 'pg-3', apiPort: 0 }), REASON, events, () => undefined);
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const readiness = await fetch(`${base}/readiness`);
      expect([readiness.status, await readiness.text()]).toEqual([503, `${REASON}\n`]);
      expect((await fetch(`${base}/liveness`)).status).toBe(200);
      expect(await (await fetch(`${base}/status`)).json()).toMatchObject({ name: 'pg-3', role: 'none', ready: false, reason: REASON });
      expect(recorded).toEqual([[{ name: 'pg-3' }, 'Warning', 'NotAMember', REASON]]);
    } finally {
      server.close();
      process.removeAllListeners('SIGTERM');
    }
  });
});
