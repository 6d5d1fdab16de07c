// Members' credentials for tests of the member API: a MemberTls per pod, issued from a CA kept in an
// in-memory Secret store. Members sharing a store share a CA, as the pods of one cluster do.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecretStore } from '../../../agent/tls/cluster-ca';
import { MemberTls } from '../../../agent/tls/member-tls';

export function memorySecrets(): SecretStore {
  const secrets = new Map<string, Record<string, string>>();
  return {
    get: async (name) => secrets.get(name) ?? null,
    create: async (name, data) => {
      if (secrets.has(name)) return 'exists';
      secrets.set(name, data);
      return 'created';
    },
  };
}

/** A temporary folder for a member's certificate files. */
export const freshMemberDir = () => join(mkdtempSync(join(tmpdir(), 'member-tls-')), 'members');

/** A member's MemberTls, not yet ensured. */
export function makeMemberTls(podName: string, secrets: SecretStore, dir = freshMemberDir(), clusterName = 'pg'): MemberTls {
  return new MemberTls({
    podName,
    clusterName,
    dnsNames: [`${podName}.${clusterName}-pods`],
    caSecret: `${clusterName}-ca`,
    caCommonName: `${clusterName} CA`,
    secrets,
    labels: {},
    dir,
    wallNow: () => Date.now(),
  });
}

/** A member's MemberTls with its certificate in place. */
export async function memberTls(podName: string, secrets: SecretStore, clusterName = 'pg'): Promise<MemberTls> {
  const tls = makeMemberTls(podName, secrets, freshMemberDir(), clusterName);
  const result = await tls.ensure();
  if (!result.ok) throw new Error(result.reason);
  return tls;
}
