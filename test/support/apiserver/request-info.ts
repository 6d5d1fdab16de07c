/**
 * Turns a request line into what Kubernetes' RequestInfoResolver makes of it: the resource type,
 * namespace, name, subresource and the RBAC verb. Paths are the real API's:
 *   /api/v1/namespaces/{ns}/{resource}[/{name}[/status]]
 *   /apis/{group}/{version}/namespaces/{ns}/{resource}[/{name}[/status]]
 *   /api/v1/{resource} and /apis/{group}/{version}/{resource} (list across namespaces)
 */
import { Verb } from './rbac';
import { ResourceType, servedTypeForPath } from './resources';
import { methodNotAllowed, routeNotFound } from './status';

export interface RequestInfo {
  readonly type: ResourceType;
  /** '' for a list across all namespaces. */
  readonly namespace: string;
  /** '' for collection requests. */
  readonly name: string;
  readonly subresource: '' | 'status';
  readonly verb: Verb;
  readonly query: URLSearchParams;
}

export function resolveRequest(method: string, url: string): RequestInfo {
  const parsed = new URL(url, 'http://apiserver');
  const segments = parsed.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  const [group, version, rest] =
    segments[0] === 'api' ? ['', segments[1], segments.slice(2)] : [segments[1], segments[2], segments.slice(3)];
  if ((segments[0] !== 'api' && segments[0] !== 'apis') || !version) throw routeNotFound();

  const namespaced = rest[0] === 'namespaces' && rest.length >= 3;
  const [namespace, plural, name = '', subresource = '', ...extra] = namespaced ? rest.slice(1) : ['', ...rest];
  const type = plural ? servedTypeForPath(group ?? '', version, plural) : undefined;
  if (!type || extra.length > 0 || (subresource !== '' && (subresource !== 'status' || !type.statusSubresource))) {
    throw routeNotFound();
  }
  if (!namespaced && name !== '') throw routeNotFound();

  const verb = verbFor(method, name !== '', parsed.searchParams);
  if (subresource && !['get', 'update', 'patch'].includes(verb)) throw methodNotAllowed();
  if (!namespaced && verb !== 'list') throw methodNotAllowed();
  return { type, namespace, name, subresource, verb, query: parsed.searchParams };
}

function verbFor(method: string, named: boolean, query: URLSearchParams): Verb {
  const watch = ['1', 'true'].includes(query.get('watch') ?? '');
  switch (method) {
    case 'GET':
      return named ? 'get' : watch ? 'watch' : 'list';
    case 'POST':
      if (named) throw methodNotAllowed();
      return 'create';
    case 'PUT':
      if (!named) throw methodNotAllowed();
      return 'update';
    case 'PATCH':
      if (!named) throw methodNotAllowed();
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      throw methodNotAllowed();
  }
}
