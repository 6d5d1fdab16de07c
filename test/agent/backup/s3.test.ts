// The agent's S3 client against a real S3 server (versitygw): signing, digests, listing and errors as a
// store answers them.
import { S3Store, type S3Location } from '../../../agent/backup/s3';
import { S3Server } from '../../support/s3-server';

jest.setTimeout(300_000); // the first run on a machine builds versitygw

describe('S3Store', () => {
  let server: S3Server;
  let location: S3Location;
  const credentials = () => ({ accessKeyId: S3Server.ACCESS_KEY_ID, secretAccessKey: S3Server.SECRET_ACCESS_KEY });

  beforeAll(async () => {
    server = await S3Server.start();
    await server.createBucket('backups');
    location = { endpoint: server.endpoint, region: S3Server.REGION, bucket: 'backups', pathStyle: true };
  });
  afterAll(() => server?.stop());

  test('stores an object and reads back its bytes, size and metadata', async () => {
    const store = new S3Store(location, credentials);
    const body = Buffer.from('a WAL segment, say');
    await store.put('pgha/demo/wal/000000010000000000000001.gz', body, { 'pgha-wal': '000000010000000000000001' });
    expect(await store.get('pgha/demo/wal/000000010000000000000001.gz')).toEqual(body);
    expect(await store.head('pgha/demo/wal/000000010000000000000001.gz')).toEqual({
      size: body.length,
      metadata: { 'pgha-wal': '000000010000000000000001' },
    });
  });

  test('keys with characters URLs escape round-trip', async () => {
    const store = new S3Store(location, credentials);
    const key = "odd/a b+c=d&e'(f)*~é.txt";
    await store.put(key, Buffer.from('x'));
    expect(await store.get(key)).toEqual(Buffer.from('x'));
    expect((await store.list('odd/')).map((o) => o.key)).toEqual([key]);
  });

  test('a missing key reads as null', async () => {
    const store = new S3Store(location, credentials);
    expect(await store.get('nothing/here')).toBeNull();
    expect(await store.head('nothing/here')).toBeNull();
  });

  test('lists every key under a prefix in key order, across pages', async () => {
    const store = new S3Store(location, credentials);
    // More than one page: ListObjectsV2 answers at most 1000 keys at a time.
    const keys = Array.from({ length: 1003 }, (_, i) => `many/${String(i).padStart(5, '0')}`);
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => store.put(k, Buffer.from(k))));
    const listed = await store.list('many/');
    expect(listed.map((o) => o.key)).toEqual(keys);
    expect(listed[0]).toMatchObject({ size: 'many/00000'.length });
    expect(listed[0].lastModified.getTime()).toBeGreaterThan(Date.now() - 600_000);
  });

  test('deletes a key, and deleting it again succeeds', async () => {
    const store = new S3Store(location, credentials);
    await store.put('gone/soon', Buffer.from('x'));
    await store.delete('gone/soon');
    await store.delete('gone/soon');
    expect(await store.get('gone/soon')).toBeNull();
  });

  test('fails with the store\'s error code when the secret key is wrong', async () => {
    const store = new S3Store(location, () => ({ accessKeyId: S3Server.ACCESS_KEY_ID, secretAccessKey: 'wrong' }));
    await expect(store.put('k', Buffer.from('x'))).rejects.toThrow(
      /^S3 PUT backups\/k: 403 SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided/,
    );
  });

  test('fails with NoSuchBucket when the bucket does not exist', async () => {
    const store = new S3Store({ ...location, bucket: 'missing' }, credentials);
    await expect(store.put('k', Buffer.from('x'))).rejects.toThrow('S3 PUT missing/k: 404 NoSuchBucket: The specified bucket does not exist');
  });

  test('fails naming the endpoint when nothing listens there', async () => {
    const store = new S3Store({ ...location, endpoint: 'http://127.0.0.1:1' }, credentials);
    await expect(store.get('k')).rejects.toThrow('S3 GET backups/k: connect ECONNREFUSED 127.0.0.1:1');
  });

  test('fails at once on an endpoint that is not http or https', () => {
    expect(() => new S3Store({ ...location, endpoint: 'ftp://store' }, credentials)).toThrow(
      "S3 endpoint must be an http:// or https:// URL, got 'ftp://store'",
    );
  });
});
