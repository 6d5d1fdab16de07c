/**
 * API errors as Kubernetes reports them: a `kind: Status` body with code, reason and the message text of
 * k8s.io/apimachinery/pkg/api/errors, so clients (and people reading test failures) see what a real
 * cluster would say.
 */
import { qualifiedResource } from './resources';

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'AlreadyExists'
  | 'Conflict'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'Invalid'
  | 'InternalError';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

/** What an error names: the resource type (group and plural) and, when there is one, the object. */
interface Target {
  group: string;
  plural: string;
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'StatusError';
  }

  toStatus(): Status {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

function details(target: Target, name: string): StatusDetails {
  return { ...(name ? { name } : {}), group: target.group, kind: target.plural };
}

export function successStatus(target: Target, name: string, uid: string | undefined): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { ...details(target, name), ...(uid ? { uid } : {}) },
    code: 200,
  };
}

export function notFound(target: Target, name: string): StatusError {
  return new StatusError(404, 'NotFound', `${qualifiedResource(target)} "${name}" not found`, details(target, name));
}

export function alreadyExists(target: Target, name: string, beingDeleted: boolean): StatusError {
  const message = `${qualifiedResource(target)} "${name}" already exists`;
  return new StatusError(
    409,
    'AlreadyExists',
    beingDeleted ? `object is being deleted: ${message}` : message,
    details(target, name),
  );
}

/** The optimistic-lock failure of a write whose resourceVersion is not the stored one. */
export const OPTIMISTIC_LOCK_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

export function conflict(target: Target, name: string, why: string): StatusError {
  return new StatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(target)} "${name}": ${why}`,
    details(target, name),
  );
}

export function forbidden(target: Target, name: string, why: string): StatusError {
  const subject = name ? `${qualifiedResource(target)} "${name}"` : qualifiedResource(target);
  return new StatusError(403, 'Forbidden', `${subject} is forbidden: ${why}`, details(target, name));
}

/** One field error, worded as field.Error renders it: `metadata.name: Required value: ...`. */
export function invalid(target: Target, name: string, fieldError: string): StatusError {
  return new StatusError(
    422,
    'Invalid',
    `${qualifiedResource(target)} "${name}" is invalid: ${fieldError}`,
    details(target, name),
  );
}

export function unauthorized(): StatusError {
  return new StatusError(401, 'Unauthorized', 'Unauthorized');
}

export function badRequest(message: string): StatusError {
  return new StatusError(400, 'BadRequest', message);
}

export function routeNotFound(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource');
}

export function methodNotAllowed(
  message = 'the server does not allow this method on the requested resource',
): StatusError {
  return new StatusError(405, 'MethodNotAllowed', message);
}

export function unsupportedMediaType(accepted: readonly string[]): StatusError {
  return new StatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

export function requestTooLarge(limitBytes: number): StatusError {
  return new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limitBytes}`);
}

export function internalError(message: string): StatusError {
  return new StatusError(500, 'InternalError', `Internal error occurred: ${message}`);
}
