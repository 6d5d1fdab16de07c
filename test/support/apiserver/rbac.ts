/**
 * RBAC authorization from the stored Roles and RoleBindings, with the rule matching of Kubernetes'
 * rbac authorizer (plugin/pkg/auth/authorizer/rbac): a rule allows a request when its verbs, apiGroups,
 * resources and resourceNames all match. A subresource is named `pods/status`; `*` matches any resource,
 * and `*` followed by `/status` any status subresource. A rule with resourceNames never allows create,
 * list or watch: those requests carry no name. ClusterRoles and ClusterRoleBindings are not served, so a
 * binding to a ClusterRole grants nothing.
 */
import { SUPERUSER_GROUP, UserInfo } from './authentication';
import { KubeObject } from './objects';
import { ObjectStore } from './store';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/** What is being asked, as the authorizer sees a resource request. */
export interface RequestAttributes {
  readonly user: UserInfo;
  readonly verb: Verb;
  readonly group: string;
  readonly resource: string;
  /** '' when the request is not to a subresource. */
  readonly subresource: string;
  /** '' for a request across all namespaces. */
  readonly namespace: string;
  /** '' for create, list, watch and deletecollection. */
  readonly name: string;
}

interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

const ROLE = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' };
const ROLE_BINDING = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' };

export class RbacAuthorizer {
  constructor(private readonly store: ObjectStore) {}

  authorize(request: RequestAttributes): boolean {
    if (request.user.groups.includes(SUPERUSER_GROUP)) return true;
    // Roles only grant inside their namespace: a request across namespaces is never allowed by one.
    if (request.namespace === '') return false;
    return this.store
      .list(ROLE_BINDING, request.namespace)
      .items.filter((binding) => boundSubjects(binding).some((s) => appliesTo(s, request.user, request.namespace)))
      .flatMap((binding) => this.rulesOf(binding, request.namespace))
      .some((rule) => ruleAllows(rule, request));
  }

  private rulesOf(binding: KubeObject, namespace: string): PolicyRule[] {
    const roleRef = binding.roleRef as { kind?: string; name?: string } | undefined;
    if (roleRef?.kind !== 'Role' || !roleRef.name) return [];
    const role = this.store.get(ROLE, namespace, roleRef.name);
    return (role?.rules as PolicyRule[] | undefined) ?? [];
  }
}

/** Kubernetes' own wording, so a test's failure reads like `kubectl` output. */
export function forbiddenReason(request: RequestAttributes): string {
  const resource = request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
  const scope = request.namespace ? `in the namespace "${request.namespace}"` : 'at the cluster scope';
  return (
    `User "${request.user.name}" cannot ${request.verb} resource "${resource}" ` +
    `in API group "${request.group}" ${scope}`
  );
}

function boundSubjects(binding: KubeObject): Subject[] {
  return (binding.subjects as Subject[] | undefined) ?? [];
}

/** A ServiceAccount subject without a namespace means one in the binding's namespace. */
function appliesTo(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'ServiceAccount':
      return user.name === `system:serviceaccount:${subject.namespace || bindingNamespace}:${subject.name}`;
    case 'User':
      return user.name === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    default:
      return false;
  }
}

function ruleAllows(rule: PolicyRule, request: RequestAttributes): boolean {
  return (
    matchesOrStar(rule.verbs, request.verb) &&
    matchesOrStar(rule.apiGroups, request.group) &&
    resourceMatches(rule.resources ?? [], request.resource, request.subresource) &&
    (!rule.resourceNames?.length || rule.resourceNames.includes(request.name))
  );
}

function matchesOrStar(allowed: string[] | undefined, requested: string): boolean {
  return (allowed ?? []).some((entry) => entry === '*' || entry === requested);
}

function resourceMatches(allowed: string[], resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return allowed.some(
    (entry) => entry === '*' || entry === combined || (subresource !== '' && entry === `*/${subresource}`),
  );
}
