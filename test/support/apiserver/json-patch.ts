/** JSON Patch (RFC 6902) with JSON Pointers (RFC 6901): add, remove, replace, move, copy, test. */
import { isDeepStrictEqual } from 'node:util';
import { isPlainObject } from './merge-patch';
import { jsonCopy } from './objects';

/** A patch document that is not a list of well-formed operations (HTTP 400 in Kubernetes). */
export class MalformedJsonPatchError extends Error {}
/** A well-formed patch that does not apply to this document, e.g. a failed `test` (HTTP 422). */
export class JsonPatchConflictError extends Error {}

interface Operation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

type Container = Record<string, unknown> | unknown[];

export function applyJsonPatch(document: unknown, patch: unknown): unknown {
  let result = jsonCopy(document);
  for (const operation of parseOperations(patch)) result = applyOperation(result, operation);
  return result;
}

function parseOperations(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) throw new MalformedJsonPatchError('a JSON patch must be an array of operations');
  return patch.map((operation, index) => {
    if (!isPlainObject(operation) || typeof operation.path !== 'string') {
      throw new MalformedJsonPatchError(`operation ${index} has no "path"`);
    }
    if (!['add', 'remove', 'replace', 'move', 'copy', 'test'].includes(operation.op as string)) {
      throw new MalformedJsonPatchError(`operation ${index}: unexpected kind of operation "${String(operation.op)}"`);
    }
    const needsValue = ['add', 'replace', 'test'].includes(operation.op as string);
    if (needsValue && !('value' in operation)) throw new MalformedJsonPatchError(`operation ${index} has no "value"`);
    const needsFrom = operation.op === 'move' || operation.op === 'copy';
    if (needsFrom && typeof operation.from !== 'string') {
      throw new MalformedJsonPatchError(`operation ${index} has no "from"`);
    }
    return operation as unknown as Operation;
  });
}

function applyOperation(document: unknown, operation: Operation): unknown {
  switch (operation.op) {
    case 'add':
      return add(document, operation.path, jsonCopy(operation.value));
    case 'remove':
      return remove(document, operation.path);
    case 'replace':
      return add(remove(document, operation.path), operation.path, jsonCopy(operation.value));
    case 'move': {
      const from = operation.from as string;
      if (operation.path.startsWith(`${from}/`)) {
        throw new JsonPatchConflictError(`move operation cannot move "${from}" into one of its children`);
      }
      const value = get(document, from);
      return add(remove(document, from), operation.path, value);
    }
    case 'copy':
      return add(document, operation.path, jsonCopy(get(document, operation.from as string)));
    case 'test':
      if (!isDeepStrictEqual(get(document, operation.path), operation.value)) {
        throw new JsonPatchConflictError(`testing value ${operation.path} failed: test failed`);
      }
      return document;
  }
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new MalformedJsonPatchError(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The container holding the pointer's last token, and that token. */
function locate(document: unknown, pointer: string): { parent: Container; key: string } {
  const tokens = parsePointer(pointer);
  const key = tokens.pop() as string;
  let parent: unknown = document;
  for (const token of tokens) parent = child(parent, token, pointer);
  if (!isContainer(parent)) throw new JsonPatchConflictError(`"${pointer}": parent is not an object or array`);
  return { parent, key };
}

function get(document: unknown, pointer: string): unknown {
  let current = document;
  for (const token of parsePointer(pointer)) current = child(current, token, pointer);
  return current;
}

function child(container: unknown, token: string, pointer: string): unknown {
  if (Array.isArray(container)) {
    const index = arrayIndex(token, container.length - 1, pointer);
    return container[index];
  }
  if (isPlainObject(container) && Object.prototype.hasOwnProperty.call(container, token)) return container[token];
  throw new JsonPatchConflictError(`"${pointer}": missing value`);
}

function add(document: unknown, pointer: string, value: unknown): unknown {
  if (pointer === '') return value;
  const { parent, key } = locate(document, pointer);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : arrayIndex(key, parent.length, pointer);
    parent.splice(index, 0, value);
  } else {
    parent[key] = value;
  }
  return document;
}

function remove(document: unknown, pointer: string): unknown {
  if (pointer === '') return null;
  const { parent, key } = locate(document, pointer);
  if (Array.isArray(parent)) {
    parent.splice(arrayIndex(key, parent.length - 1, pointer), 1);
  } else {
    if (!Object.prototype.hasOwnProperty.call(parent, key)) {
      throw new JsonPatchConflictError(`"${pointer}": missing value`);
    }
    delete parent[key];
  }
  return document;
}

function arrayIndex(token: string, maximum: number, pointer: string): number {
  if (!/^(0|[1-9]\d*)$/.test(token) || Number(token) > maximum) {
    throw new JsonPatchConflictError(`"${pointer}": index ${token} is out of bounds`);
  }
  return Number(token);
}

function isContainer(value: unknown): value is Container {
  return Array.isArray(value) || isPlainObject(value);
}
