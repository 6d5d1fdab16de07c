/**
 * Carries out one authorized resource request against the store and shapes the answer as the real API
 * server does: lists as `<Kind>List`, 201 on create, the deleted pod (or a Success Status for other
 * kinds) on delete.
 */
import { KubeObject } from './objects';
import { isPatchType, PATCH_TYPES } from './patch';
import { RequestInfo } from './request-info';
import { DeleteOptions, ObjectStore } from './store';
import { badRequest, methodNotAllowed, notFound, successStatus, unsupportedMediaType } from './status';

export interface RestResponse {
  readonly code: number;
  readonly body: unknown;
}

export function handleResourceRequest(
  store: ObjectStore,
  request: RequestInfo,
  body: Buffer,
  contentType: string,
): RestResponse {
  const { type, namespace, name } = request;
  const subresource = request.subresource === 'status' ? { subresource: 'status' as const } : {};
  switch (request.verb) {
    case 'get': {
      const object = store.get(type, namespace, name);
      if (!object) throw notFound(type, name);
      return { code: 200, body: object };
    }
    case 'list':
      return { code: 200, body: listOf(request, store.list(type, namespace, selectors(request)).items, store) };
    case 'watch':
      throw methodNotAllowed('this API server test double serves no watches: list instead');
    case 'create': {
      const object = objectFromBody(request, body, contentType);
      return { code: 201, body: store.create(object) };
    }
    case 'update': {
      const object = objectFromBody(request, body, contentType);
      if (object.metadata.name !== name) {
        const sent = object.metadata.name ?? '';
        throw badRequest(`the name of the object (${sent}) does not match the name on the URL (${name})`);
      }
      const existed = store.get(type, namespace, name) !== undefined;
      return { code: existed ? 200 : 201, body: store.update(object, subresource) };
    }
    case 'patch': {
      if (!isPatchType(contentType)) throw unsupportedMediaType([...PATCH_TYPES]);
      return { code: 200, body: store.patch(type, namespace, name, contentType, parseJson(body), subresource) };
    }
    case 'delete': {
      const deleted = store.delete(type, namespace, name, deleteOptions(request, body));
      return {
        code: 200,
        body: type.gracefulDeletion ? deleted : successStatus(type, name, deleted.metadata.uid),
      };
    }
    case 'deletecollection': {
      const options = deleteOptions(request, body);
      const deleted = store
        .list(type, namespace, selectors(request))
        .items.map((o) => store.delete(type, namespace, o.metadata.name ?? '', options));
      return { code: 200, body: listOf(request, deleted, store) };
    }
  }
}

function listOf(request: RequestInfo, items: KubeObject[], store: ObjectStore): unknown {
  return {
    kind: `${request.type.kind}List`,
    apiVersion: request.type.apiVersion,
    metadata: { resourceVersion: store.resourceVersion },
    items,
  };
}

function selectors(request: RequestInfo): { labelSelector?: string; fieldSelector?: string } {
  return {
    labelSelector: request.query.get('labelSelector') ?? undefined,
    fieldSelector: request.query.get('fieldSelector') ?? undefined,
  };
}

/** The object of a POST or PUT, checked against the URL it was sent to. */
function objectFromBody(request: RequestInfo, body: Buffer, contentType: string): KubeObject {
  if (contentType !== 'application/json') throw unsupportedMediaType(['application/json']);
  const object = parseJson(body);
  if (typeof object !== 'object' || object === null || Array.isArray(object)) {
    throw badRequest('the request body must be a JSON object');
  }
  const { type, namespace } = request;
  const candidate = object as Partial<KubeObject>;
  if (candidate.apiVersion !== undefined && candidate.apiVersion !== type.apiVersion) {
    const expected = type.apiVersion;
    throw badRequest(
      `the API version in the data (${candidate.apiVersion}) does not match the expected API version (${expected})`,
    );
  }
  if (candidate.kind !== undefined && candidate.kind !== type.kind) {
    throw badRequest(`the kind in the data (${candidate.kind}) does not match the expected kind (${type.kind})`);
  }
  const metadata = typeof candidate.metadata === 'object' && candidate.metadata !== null ? candidate.metadata : {};
  if (metadata.namespace && metadata.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  return { ...candidate, apiVersion: type.apiVersion, kind: type.kind, metadata: { ...metadata, namespace } };
}

/** DeleteOptions come from the query and, overriding it, from a body (kubectl sends one). */
function deleteOptions(request: RequestInfo, body: Buffer): DeleteOptions {
  const fromQuery = request.query.get('gracePeriodSeconds');
  const parsed = body.length > 0 ? parseJson(body) : {};
  const fromBody = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as {
    gracePeriodSeconds?: number;
    preconditions?: DeleteOptions['preconditions'];
  };
  const gracePeriodSeconds = fromBody.gracePeriodSeconds ?? (fromQuery === null ? undefined : Number(fromQuery));
  if (gracePeriodSeconds !== undefined && !Number.isInteger(gracePeriodSeconds)) {
    throw badRequest(`gracePeriodSeconds must be a whole number, got ${String(gracePeriodSeconds)}`);
  }
  return { gracePeriodSeconds, preconditions: fromBody.preconditions };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`);
  }
}
