import { ApiServer } from '../../support/apiserver';
import { Secrets } from '../../../agent/kube/secrets';
import { clientFor, NAMESPACE, SECRET_NAME, startCluster } from './cluster';

const SECRET = { apiVersion: 'v1', kind: 'Secret' };
const LABELS = { 'app.kubernetes.io/instance': 'pg' };

let server: ApiServer;
let secrets: Secrets;

beforeEach(async () => {
  server = await startCluster();
  secrets = new Secrets(clientFor(server), NAMESPACE);
});
afterEach(() => server.close());

it('creates an Opaque Secret with base64 data, once', async () => {
  expect(await secrets.create(SECRET_NAME, { password: 'pä$$ word' }, LABELS)).toBe('created');
  const stored = server.store.get(SECRET, NAMESPACE, SECRET_NAME)!;
  expect(stored).toMatchObject({ type: 'Opaque', data: { password: Buffer.from('pä$$ word').toString('base64') } });
  expect(stored.metadata.labels).toEqual(LABELS);
  expect(await secrets.create(SECRET_NAME, { password: 'other' }, LABELS)).toBe('exists');
});

it('reads the data back decoded, or null when there is no Secret', async () => {
  expect(await secrets.get(SECRET_NAME)).toBeNull();
  await secrets.create(SECRET_NAME, { password: 'pä$$ word', user: 'postgres' }, LABELS);
  expect(await secrets.get(SECRET_NAME)).toEqual({ password: 'pä$$ word', user: 'postgres' });
});

it('throws when the Role does not allow the read', async () => {
  await expect(secrets.get('someone-elses')).rejects.toMatchObject({ status: 403 });
});
