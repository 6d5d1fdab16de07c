/**
 * What the API server does to a Secret on every write: `stringData` is folded into `data` (base64) and
 * dropped, and `data` must be valid base64, since the real server decodes it into bytes.
 */
import { KubeObject } from './objects';
import { badRequest } from './status';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function normalizeSecret(secret: KubeObject): KubeObject {
  const data = { ...((secret.data as Record<string, unknown> | undefined) ?? {}) };
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string' || !BASE64.test(value)) {
      throw badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data in data.${key}`);
    }
  }
  const stringData = (secret.stringData as Record<string, string> | undefined) ?? {};
  for (const [key, value] of Object.entries(stringData)) data[key] = Buffer.from(String(value)).toString('base64');
  const { stringData: _folded, ...rest } = secret;
  return Object.keys(data).length > 0 ? { ...rest, data } : rest;
}
