/** Where the members run: the rendered anti-affinity spreads them, one per node, on the three-node cluster. */
import { check } from '../../support/scenario';
import type { Database } from '../database';
import type { KubeContext } from '../scenario';

/** Each member's node (kubectl get pods -o wide); fails unless there are three members on three nodes. */
export async function membersOnNodes(t: KubeContext, db: Database): Promise<Map<string, string>> {
  const nodes = (await t.cluster.sh('kubectl get nodes -o name')).split('\n').filter(Boolean);
  check(nodes.length >= 3, `this scenario needs three nodes; the cluster has ${nodes.length} (start it with PGHA_E2E_NODES=3, the default)`);
  const placement = new Map((await db.members()).map((p) => [p.name, p.node ?? '']));
  check(new Set(placement.values()).size === 3 && ![...placement.values()].includes(''), `the members are not one per node: ${JSON.stringify(Object.fromEntries(placement))}`);
  return placement;
}
