/**
 * Bearer tokens: one per ServiceAccount, naming the user `system:serviceaccount:<ns>:<sa>` with the
 * groups Kubernetes gives service accounts, and an admin token in `system:masters` (RBAC never applies
 * to it) for a test's own requests. Whether the ServiceAccount object exists is not checked.
 */
import { randomBytes } from 'node:crypto';

export interface UserInfo {
  readonly name: string;
  readonly groups: readonly string[];
}

export const SUPERUSER_GROUP = 'system:masters';

export class TokenAuthenticator {
  readonly adminToken = newToken();
  private readonly users = new Map<string, UserInfo>([
    [this.adminToken, { name: 'kubernetes-admin', groups: [SUPERUSER_GROUP, 'system:authenticated'] }],
  ]);
  private readonly serviceAccountTokens = new Map<string, string>();

  /** The same token for the same ServiceAccount every time, as a pod's mounted token file would be. */
  issueToken(namespace: string, serviceAccount: string): string {
    const name = `system:serviceaccount:${namespace}:${serviceAccount}`;
    let token = this.serviceAccountTokens.get(name);
    if (!token) {
      token = newToken();
      this.serviceAccountTokens.set(name, token);
      this.users.set(token, {
        name,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
      });
    }
    return token;
  }

  /** The user an `Authorization` header names, or undefined for a missing or unknown token. */
  authenticate(authorization: string | undefined): UserInfo | undefined {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    return match ? this.users.get(match[1]) : undefined;
  }
}

function newToken(): string {
  return randomBytes(24).toString('base64url');
}
