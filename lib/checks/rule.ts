import { PodDocument } from './pod-document';

/**
 * One check over a rendered pod, cdk-nag style: a pure function that returns one message per
 * violation (empty when the pod complies), each naming the container or pod field, what is allowed
 * and what it holds, e.g. `container "agent": securityContext.allowPrivilegeEscalation must be false, got unset`.
 */
export interface PodSecurityRule {
  /** A short name, e.g. `noPrivilegeEscalation`. */
  readonly id: string;
  /** What the rule demands and where that comes from. */
  readonly description: string;
  readonly check: (pod: PodDocument) => string[];
}

/** `<where>: <field> must be <allowed>, got <value>`, where `where` is a container's label, or nothing for pod fields. */
export function violation(where: string | undefined, field: string, allowed: string, got: string): string {
  return `${where ? `${where}: ` : ''}${field} must be ${allowed}, got ${got}`;
}
