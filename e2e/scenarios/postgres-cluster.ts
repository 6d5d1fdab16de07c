/**
 * What the harness suite's chaos run saves after a failure: each member agent's own view of the cluster.
 * (The other scenarios and their view of the product moved to the real cluster, e2e/k8s/database.ts.)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StatefulSet } from '../harness/kube';
import { getObject, STATEFUL_SET } from '../harness/api-objects';
import type { ScenarioContext } from '../support/scenario';
import { NAMESPACE } from '../charts';

const AGENT_API_PORT = 8008;

/** A scenario's `diagnose`: each member's GET /status saved as `<pod>.status.json` in the log folder. */
export function agentStatuses(name: string): (t: ScenarioContext) => Promise<void> {
  return async (t) => {
    const sts = getObject<StatefulSet>(t.cluster.store, STATEFUL_SET, NAMESPACE, name);
    for (const ordinal of [...Array(sts?.spec?.replicas ?? 0).keys()]) {
      const pod = `${name}-${ordinal}`;
      const text = await fetch(`http://${t.cluster.podAddress(NAMESPACE, pod)}:${AGENT_API_PORT}/status`, { signal: AbortSignal.timeout(2000) })
        .then((response) => response.text(), (error: Error) => JSON.stringify({ unreachable: error.message }));
      writeFileSync(join(t.cluster.dirs.logs, `${pod}.status.json`), text);
    }
  };
}
