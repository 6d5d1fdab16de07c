import { PodDocument } from './pod-document';

/**
 * One check over a rendered pod, cdk-nag style. A behavioural interface (a method, not a function-typed
 * property) so that rules can be written in every jsii language; in TypeScript a plain object literal
 * `{ id, description, check: (pod) => [...] }` still implements it.
 */
export interface IPodSecurityRule {
  /** A short name, e.g. `noPrivilegeEscalation`. */
  readonly id: string;
  /** What the rule demands and where that comes from. */
  readonly description: string;
  /**
   * One message per violation (empty when the pod complies), each naming the container or pod field,
   * what is allowed and what it holds, e.g.
   * `container "agent": securityContext.allowPrivilegeEscalation must be false, got unset`. Pure.
   */
  check(pod: PodDocument): string[];
}

/** `<where>: <field> must be <allowed>, got <value>`, where `where` is a container's label, or nothing for pod fields. */
export function violation(where: string | undefined, field: string, allowed: string, got: string): string {
  return `${where ? `${where}: ` : ''}${field} must be ${allowed}, got ${got}`;
}
