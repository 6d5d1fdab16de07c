// Server-side encryption as the agent requests it. versitygw's posix backend accepts the
// x-amz-server-side-encryption headers, checks them as part of the signature, and then ignores them: it
// neither encrypts, stores nor echoes them. So the wire format is checked here on the request itself
// (header names and values, and that SigV4 signs them, as AWS documents for PutObject and
// CreateMultipartUpload), and the real server proves the signature over them is right.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html#API_PutObject_RequestSyntax
import aws4 from 'aws4';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Store, type S3Location } from '../../../agent/backup/s3';
import { S3Server } from '../../support/s3-server';

jest.setTimeout(300_000); // the first run on a machine builds versitygw

const credentials = () => ({ accessKeyId: S3Server.ACCESS_KEY_ID, secretAccessKey: S3Server.SECRET_ACCESS_KEY });
const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const AES256 = { serverSideEncryption: 'AES256' } as const;
const KMS_WITH_KEY = { serverSideEncryption: 'aws:kms', kmsKeyId: KEY_ARN } as const;

interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** What each request carried: a listener that records and answers what S3 would, without checking anything. */
async function recordRequests(sse: Partial<S3Location>, calls: (store: S3Store) => Promise<void>): Promise<Recorded[]> {
  const recorded: Recorded[] = [];
  const server = http.createServer((request, response) => {
    recorded.push({ method: request.method!, url: request.url!, headers: request.headers });
    request.resume();
    request.on('end', () => {
      if (request.url!.endsWith('?uploads=')) {
        response.end('<InitiateMultipartUploadResult><UploadId>u1</UploadId></InitiateMultipartUploadResult>');
      } else {
        response.setHeader('etag', '"e1"');
        response.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const store = new S3Store({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', bucket: 'backups', pathStyle: true, ...sse }, credentials);
    await calls(store);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  return recorded;
}

/** PutObject, then a whole multipart upload of one part. */
async function putAndUpload(store: S3Store): Promise<void> {
  await store.put('wal/a.gz', Buffer.from('x'), { 'pgha-sha256': 'abc' });
  const uploadId = await store.createMultipartUpload('base/1/base.tar.gz');
  const part = await store.uploadPart('base/1/base.tar.gz', uploadId, 1, Buffer.from('y'));
  await store.completeMultipartUpload('base/1/base.tar.gz', uploadId, [part]);
}

/** Each request's SSE headers and its SigV4 SignedHeaders list. */
function sseView(recorded: readonly Recorded[]): Array<Record<string, unknown>> {
  return recorded.map(({ method, url, headers }) => ({
    request: `${method} ${url}`,
    sse: headers['x-amz-server-side-encryption'],
    kmsKeyId: headers['x-amz-server-side-encryption-aws-kms-key-id'],
    signedHeaders: /SignedHeaders=([^,]+),/.exec(String(headers.authorization))?.[1],
  }));
}

describe('S3Store server-side encryption, on the wire', () => {
  test('AES256: PutObject and CreateMultipartUpload carry x-amz-server-side-encryption, signed; UploadPart and Complete carry none', async () => {
    expect(sseView(await recordRequests(AES256, putAndUpload))).toEqual([
      {
        request: 'PUT /backups/wal/a.gz',
        sse: 'AES256',
        kmsKeyId: undefined,
        signedHeaders: 'content-length;content-type;host;x-amz-checksum-sha256;x-amz-content-sha256;x-amz-date;x-amz-meta-pgha-sha256;x-amz-server-side-encryption',
      },
      { request: 'POST /backups/base/1/base.tar.gz?uploads=', sse: 'AES256', kmsKeyId: undefined, signedHeaders: 'content-type;host;x-amz-checksum-algorithm;x-amz-content-sha256;x-amz-date;x-amz-server-side-encryption' },
      { request: 'PUT /backups/base/1/base.tar.gz?partNumber=1&uploadId=u1', sse: undefined, kmsKeyId: undefined, signedHeaders: 'content-length;host;x-amz-checksum-sha256;x-amz-content-sha256;x-amz-date' },
      { request: 'POST /backups/base/1/base.tar.gz?uploadId=u1', sse: undefined, kmsKeyId: undefined, signedHeaders: 'content-length;content-md5;content-type;host;x-amz-content-sha256;x-amz-date' },
    ]);
  });

  test('aws:kms with a key: the key id header beside it, both signed', async () => {
    const [put, create] = sseView(await recordRequests(KMS_WITH_KEY, putAndUpload));
    expect(put).toEqual({
      request: 'PUT /backups/wal/a.gz',
      sse: 'aws:kms',
      kmsKeyId: KEY_ARN,
      signedHeaders: 'content-length;content-type;host;x-amz-checksum-sha256;x-amz-content-sha256;x-amz-date;x-amz-meta-pgha-sha256;x-amz-server-side-encryption;x-amz-server-side-encryption-aws-kms-key-id',
    });
    expect(create).toEqual({
      request: 'POST /backups/base/1/base.tar.gz?uploads=',
      sse: 'aws:kms',
      kmsKeyId: KEY_ARN,
      signedHeaders: 'content-type;host;x-amz-checksum-algorithm;x-amz-content-sha256;x-amz-date;x-amz-server-side-encryption;x-amz-server-side-encryption-aws-kms-key-id',
    });
  });

  test('aws:kms without a key: no key id header (the bucket\'s or the account\'s default key applies)', async () => {
    const [put] = sseView(await recordRequests({ serverSideEncryption: 'aws:kms' }, (store) => store.put('k', Buffer.from('x'))));
    expect(put).toMatchObject({ sse: 'aws:kms', kmsKeyId: undefined, signedHeaders: 'content-length;content-type;host;x-amz-checksum-sha256;x-amz-content-sha256;x-amz-date;x-amz-server-side-encryption' });
  });

  test('no encryption asked: no SSE header at all (the bucket\'s default encryption applies)', async () => {
    const recorded = await recordRequests({}, putAndUpload);
    expect(recorded.flatMap((r) => Object.keys(r.headers).filter((name) => name.startsWith('x-amz-server-side')))).toEqual([]);
  });
});

describe('S3Store server-side encryption, against versitygw', () => {
  let server: S3Server;

  beforeAll(async () => {
    server = await S3Server.start();
    await server.createBucket('backups');
  });
  afterAll(() => server?.stop());

  test.each([['AES256', AES256], ['aws:kms with a key', KMS_WITH_KEY]])('%s: the store checks the signature over the SSE headers and accepts PutObject and a multipart upload', async (_, sse) => {
    const store = new S3Store({ endpoint: server.endpoint, region: S3Server.REGION, bucket: 'backups', pathStyle: true, ...sse }, credentials);
    await putAndUpload(store);
    expect(await store.get('wal/a.gz')).toEqual(Buffer.from('x'));
    expect(await store.get('base/1/base.tar.gz')).toEqual(Buffer.from('y'));
  });

  test('fails with SignatureDoesNotMatch when the SSE header is changed after signing (the store checks it)', async () => {
    const signed = aws4.sign({
      method: 'PUT', host: `${server.host}:${server.port}`, path: '/backups/tampered', service: 's3', region: S3Server.REGION, body: 'x',
      headers: { 'x-amz-server-side-encryption': 'AES256', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    }, credentials());
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const headers = { ...signed.headers, 'x-amz-server-side-encryption': 'aws:kms' };
      const request = http.request({ host: server.host, port: server.port, method: 'PUT', path: '/backups/tampered', headers }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode!, body }));
      });
      request.on('error', reject);
      request.end('x');
    });
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});
