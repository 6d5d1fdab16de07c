/**
 * JSON Merge Patch (RFC 7386): objects merge key by key, `null` deletes a key, anything else (arrays
 * included) replaces. Also what the test double does for strategic merge patches, which differ only for
 * lists with a patch merge key (containers, conditions...): those are replaced whole here.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
