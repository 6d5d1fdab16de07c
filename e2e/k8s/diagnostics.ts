/** After a failed scenario: what a person would look at, saved into e2e/.work/k8s-logs/<scenario>/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from './database';
import type { KubeCluster } from './kube-cluster';

export async function saveDiagnostics(cluster: KubeCluster, db: Database, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const save = async (file: string, produce: () => Promise<string>) => {
    writeFileSync(join(dir, file), await produce().catch((error: Error) => `(failed: ${error.message})`));
  };
  await save('objects.yaml', () => cluster.kubectl.run(['get', 'all,pvc,pv,lease,events,configmap,networkpolicy,pdb', '-n', db.namespace, '-o', 'yaml']));
  await save('events.txt', () => cluster.kubectl.run(['get', 'events', '-n', db.namespace, '--sort-by=.lastTimestamp']));
  for (const pod of await db.members().catch(() => [])) {
    for (const container of ['postgres', 'agent']) {
      await save(`${pod.name}.${container}.log`, () => cluster.kubectl.run(['logs', '-n', db.namespace, pod.name, '-c', container, '--timestamps']));
      await save(`${pod.name}.${container}.previous.log`, () => cluster.kubectl.run(['logs', '-n', db.namespace, pod.name, '-c', container, '--timestamps', '--previous']));
    }
    await save(`${pod.name}.status.json`, async () => JSON.stringify(await db.agentStatus(pod.name), null, 2));
  }
}
