// The agent's S3 client against a real S3 server (versitygw): signing, digests, listing and errors as a
// store answers them.
import aws4 from 'aws4';
import { createHash } from 'node:crypto';
import http from 'node:http';
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

  test('the store keeps the SHA-256 each upload carries, for a whole object and for each part', async () => {
    const store = new S3Store(location, credentials);
    const body = Buffer.from('a segment whose digest the store checks');
    await store.put('sums/segment', body);
    expect((await signedRequest('HEAD', '/backups/sums/segment', { 'x-amz-checksum-mode': 'ENABLED' })).headers['x-amz-checksum-sha256']).toBe(sha256(body));

    const parts = [Buffer.alloc(5 * 1024 * 1024, 1), Buffer.from('the rest')];
    const uploadId = await store.createMultipartUpload('sums/base.tar');
    const uploaded = [];
    for (const [i, part] of parts.entries()) uploaded.push(await store.uploadPart('sums/base.tar', uploadId, i + 1, part));
    expect(uploaded.map((part) => part.sha256)).toEqual(parts.map(sha256));
    await store.completeMultipartUpload('sums/base.tar', uploadId, uploaded);
    // A multipart object's checksum is the digest of its parts' digests, with the part count (S3's "composite").
    const composite = `${sha256(Buffer.concat(parts.map((part) => createHash('sha256').update(part).digest())))}-2`;
    expect((await signedRequest('HEAD', '/backups/sums/base.tar', { 'x-amz-checksum-mode': 'ENABLED' })).headers['x-amz-checksum-sha256']).toBe(composite);
  });

  test('premise: the store refuses a body that does not match the SHA-256 it carries', async () => {
    const body = Buffer.from('what was sent');
    const answer = await signedRequest('PUT', '/backups/sums/tampered', { 'x-amz-checksum-sha256': sha256(Buffer.from('what was meant')) }, body);
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('<Code>BadDigest</Code><Message>The SHA256 you specified did not match the calculated checksum.</Message>');
    expect(await new S3Store(location, credentials).get('sums/tampered')).toBeNull();
  });

  /** One request signed as S3Store signs, with headers S3Store does not send; the answer unread into errors. */
  function signedRequest(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    const url = new URL(location.endpoint);
    const allHeaders = { ...headers, 'x-amz-content-sha256': createHash('sha256').update(body ?? '').digest('hex') };
    const signed = aws4.sign({ method, host: url.host, path, service: 's3', region: S3Server.REGION, headers: allHeaders, body }, credentials());
    return new Promise((resolve, reject) => {
      const request = http.request({ hostname: url.hostname, port: url.port, method, path, headers: signed.headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      request.on('error', reject);
      request.end(body);
    });
  }

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

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64');
}
