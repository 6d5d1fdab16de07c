/** The PATCH content types the test double accepts, and their errors as the API server reports them. */
import { applyJsonPatch, JsonPatchConflictError, MalformedJsonPatchError } from './json-patch';
import { applyMergePatch } from './merge-patch';
import { badRequest, StatusError } from './status';

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
] as const;

export type PatchType = (typeof PATCH_TYPES)[number];

export function isPatchType(contentType: string): contentType is PatchType {
  return (PATCH_TYPES as readonly string[]).includes(contentType);
}

export function applyPatch(document: unknown, patchType: PatchType, patch: unknown): unknown {
  if (patchType !== 'application/json-patch+json') {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw badRequest('a merge patch must be a JSON object');
    }
    return applyMergePatch(document, patch);
  }
  try {
    return applyJsonPatch(document, patch);
  } catch (error) {
    if (error instanceof MalformedJsonPatchError) throw badRequest(error.message);
    if (error instanceof JsonPatchConflictError) throw new StatusError(422, 'Invalid', error.message);
    throw error;
  }
}
