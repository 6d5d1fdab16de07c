// The few S3 API calls backups need (PutObject, GetObject, HeadObject, ListObjectsV2, DeleteObject, and the
// multipart upload of base backups: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
// AbortMultipartUpload), signed with AWS Signature Version 4 by `aws4` (8 KB bundled) over node's
// http/https. @aws-sdk/client-s3 would add about 580 KB to a bundle that ships in a 1 MiB ConfigMap, for
// features (presigning, every other operation) these calls do not use. Any S3-compatible store works: AWS, MinIO, Ceph RGW, R2, GCS's
// interoperability endpoint, with virtual-hosted or path-style addressing.
import aws4 from 'aws4';
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** For temporary credentials (STS); sent as x-amz-security-token. */
  readonly sessionToken?: string;
}

export interface S3Location {
  /** `https://s3.eu-west-1.amazonaws.com`, `http://minio.storage:9000`: scheme, host and port only. */
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  /** `https://host/bucket/key` instead of `https://bucket.host/key` (MinIO, Ceph and most private stores). */
  readonly pathStyle: boolean;
  /** PEM of the CA that signed a private endpoint's certificate; node's bundled roots when absent. */
  readonly ca?: string;
  /** Server-side encryption: `AES256` (store-managed keys) or `aws:kms` (with kmsKeyId, or the bucket's key). */
  readonly serverSideEncryption?: 'AES256' | 'aws:kms';
  readonly kmsKeyId?: string;
}

export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
}

export interface HeadResult {
  readonly size: number;
  /** The x-amz-meta-* headers, names without the prefix, lower case. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** An answer from the store that is not a success; `code` is the S3 error code (`NoSuchBucket`, …). */
export class S3Error extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

const REQUEST_TIMEOUT_MS = 60_000;

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The SHA-256 of the body sent, base64. */
  readonly checksum: string;
}

/** A request whose body carries its SHA-256 as x-amz-checksum-sha256 (object and part uploads). */
const CHECKSUM = true;

/** A part as CompleteMultipartUpload names it: the ETag the store gave and the part's SHA-256 (base64). */
export interface UploadedPart {
  readonly etag: string;
  readonly sha256: string;
}

export class S3Store {
  private readonly base: URL;
  private readonly agent: http.Agent;

  constructor(
    private readonly location: S3Location,
    /** Asked before every request, so rotated credentials apply at once. */
    private readonly credentials: () => S3Credentials | Promise<S3Credentials>,
  ) {
    this.base = new URL(location.endpoint);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') {
      throw new Error(`S3 endpoint must be an http:// or https:// URL, got '${location.endpoint}'`);
    }
    this.agent =
      this.base.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, ...(location.ca ? { ca: location.ca } : {}) })
        : new http.Agent({ keepAlive: true });
  }

  /** Stores `body` under `key`; resolves only once the store has answered 200 (the object is durable). */
  async put(key: string, body: Buffer, metadata: Readonly<Record<string, string>> = {}, contentType = 'application/octet-stream'): Promise<void> {
    const headers = { ...this.objectHeaders(metadata, contentType), 'content-length': String(body.length) };
    await this.request('PUT', key, {}, headers, body, false, CHECKSUM);
  }

  /** Starts a multipart upload (for objects too large to hold in memory); returns its upload id. */
  async createMultipartUpload(key: string, metadata: Readonly<Record<string, string>> = {}, contentType = 'application/octet-stream'): Promise<string> {
    // The parts then carry their SHA-256 as their checksum (uploadPart), which the store checks and keeps.
    const headers = { ...this.objectHeaders(metadata, contentType), 'x-amz-checksum-algorithm': 'SHA256' };
    const { body } = await this.request('POST', key, { uploads: '' }, headers);
    const uploadId = xmlText(body.toString('utf8'), 'UploadId');
    if (!uploadId) throw new Error(`S3 CreateMultipartUpload ${this.location.bucket}/${key}: no UploadId in the answer`);
    return uploadId;
  }

  /**
   * Uploads part `partNumber` (1 to 10000; every part but the last at least 5 MiB), its bytes the chunks
   * in order (sent as they are: joining them would copy every byte once more); returns what completing
   * needs of it.
   */
  async uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer | readonly Buffer[]): Promise<UploadedPart> {
    const query = { partNumber: String(partNumber), uploadId };
    const chunks = Buffer.isBuffer(body) ? [body] : body;
    const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const { headers, checksum } = await this.request('PUT', key, query, { 'content-length': String(length) }, chunks, false, CHECKSUM);
    const etag = headers.etag;
    if (typeof etag !== 'string') throw new Error(`S3 UploadPart ${this.location.bucket}/${key} #${partNumber}: no ETag in the answer`);
    return { etag, sha256: checksum };
  }

  /** Joins the parts into the object; until this succeeds the key holds nothing. */
  async completeMultipartUpload(key: string, uploadId: string, parts: readonly UploadedPart[]): Promise<void> {
    const xml = `<CompleteMultipartUpload>${parts
      .map((part, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${escapeXml(part.etag)}</ETag><ChecksumSHA256>${part.sha256}</ChecksumSHA256></Part>`)
      .join('')}</CompleteMultipartUpload>`;
    const body = Buffer.from(xml, 'utf8');
    // A small body: Content-MD5 here (x-amz-checksum-sha256 on this request would mean the whole object's).
    const headers = { 'content-type': 'application/xml', 'content-length': String(body.length), 'content-md5': createHash('md5').update(body).digest('base64') };
    const answer = (await this.request('POST', key, { uploadId }, headers, body)).body.toString('utf8');
    // S3 may answer 200 and still fail the completion, with an <Error> document as the body.
    if (answer.includes('<Error>')) {
      const code = xmlText(answer, 'Code');
      throw new S3Error(`S3 CompleteMultipartUpload ${this.location.bucket}/${key}: ${code}: ${xmlText(answer, 'Message')}`, 200, code);
    }
  }

  /** Discards an unfinished upload and the parts the store kept for it. */
  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    await this.request('DELETE', key, { uploadId }, {});
  }

  private objectHeaders(metadata: Readonly<Record<string, string>>, contentType: string): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': contentType };
    for (const [name, value] of Object.entries(metadata)) headers[`x-amz-meta-${name}`] = value;
    if (this.location.serverSideEncryption) {
      headers['x-amz-server-side-encryption'] = this.location.serverSideEncryption;
      if (this.location.kmsKeyId) headers['x-amz-server-side-encryption-aws-kms-key-id'] = this.location.kmsKeyId;
    }
    return headers;
  }

  /** The object's bytes; null when there is no such key. */
  async get(key: string): Promise<Buffer | null> {
    try {
      return (await this.request('GET', key, {}, {})).body;
    } catch (error) {
      if (error instanceof S3Error && error.status === 404) return null;
      throw error;
    }
  }

  async head(key: string): Promise<HeadResult | null> {
    try {
      const { headers } = await this.request('HEAD', key, {}, {});
      const metadata: Record<string, string> = {};
      for (const [name, value] of Object.entries(headers)) {
        if (name.startsWith('x-amz-meta-') && typeof value === 'string') metadata[name.slice('x-amz-meta-'.length)] = value;
      }
      return { size: Number(headers['content-length'] ?? 0), metadata };
    } catch (error) {
      if (error instanceof S3Error && error.status === 404) return null;
      throw error;
    }
  }

  /**
   * The object's bytes as a stream (a base backup does not fit in memory); null when there is no such key.
   * The caller consumes or destroys it.
   */
  async stream(key: string): Promise<Readable | null> {
    try {
      return await this.request('GET', key, {}, {}, undefined, true);
    } catch (error) {
      if (error instanceof S3Error && error.status === 404) return null;
      throw error;
    }
  }

  /** Every object whose key starts with `prefix`, in key order (follows continuation tokens). */
  async list(prefix: string): Promise<ObjectInfo[]> {
    return (await this.listing(prefix, null)).objects;
  }

  /** The "folders" right under `prefix` (ListObjectsV2 with delimiter `/`): `<prefix><name>/` each. */
  async folders(prefix: string): Promise<string[]> {
    return (await this.listing(prefix, '/')).prefixes;
  }

  private async listing(prefix: string, delimiter: string | null): Promise<{ objects: ObjectInfo[]; prefixes: string[] }> {
    const objects: ObjectInfo[] = [];
    const prefixes: string[] = [];
    let token: string | undefined;
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix };
      if (delimiter) query.delimiter = delimiter;
      if (token) query['continuation-token'] = token;
      const xml = (await this.request('GET', '', query, {})).body.toString('utf8');
      for (const [, contents] of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        objects.push({
          key: xmlText(contents, 'Key'),
          size: Number(xmlText(contents, 'Size')),
          lastModified: new Date(xmlText(contents, 'LastModified')),
        });
      }
      for (const [, common] of xml.matchAll(/<CommonPrefixes>([\s\S]*?)<\/CommonPrefixes>/g)) prefixes.push(xmlText(common, 'Prefix'));
      token = xmlText(xml, 'IsTruncated') === 'true' ? xmlText(xml, 'NextContinuationToken') : undefined;
    } while (token);
    return { objects, prefixes };
  }

  /** Removes the key; removing a key that is not there succeeds (S3 answers 204 either way). */
  async delete(key: string): Promise<void> {
    await this.request('DELETE', key, {}, {});
  }

  private request(method: string, key: string, query: Readonly<Record<string, string>>, headers: Record<string, string>, body?: Buffer | readonly Buffer[], streamed?: false, checksum?: boolean): Promise<Answer>;
  /** With `streamed`, a success resolves to the response itself, unread (an error answer is still read). */
  private request(method: string, key: string, query: Readonly<Record<string, string>>, headers: Record<string, string>, body: Buffer | undefined, streamed: true): Promise<Readable>;
  private async request(
    method: string,
    key: string,
    query: Readonly<Record<string, string>>,
    headers: Record<string, string>,
    /** Sent as given; a request with a body sets content-length itself. */
    body?: Buffer | readonly Buffer[],
    streamed = false,
    checksum = false,
  ): Promise<Answer | Readable> {
    const { bucket, pathStyle, region } = this.location;
    const encodedKey = key.split('/').map(encodeRfc3986).join('/');
    const host = pathStyle ? this.base.host : `${bucket}.${this.base.host}`;
    const objectPath = pathStyle ? `/${encodeRfc3986(bucket)}/${encodedKey}` : `/${encodedKey}`;
    const search = Object.entries(query)
      .map(([name, value]) => `${encodeRfc3986(name)}=${encodeRfc3986(value)}`)
      .join('&');
    const path = search ? `${objectPath}?${search}` : objectPath;
    // The payload's digest is part of the signature, so a body changed in transit is refused. The same
    // digest is the object's (or part's) checksum the store checks and keeps: hashing once, where
    // Content-MD5 cost a second pass over every byte, in the agent and in the store (bench/s3-upload.ts).
    const chunks = body === undefined ? [] : Buffer.isBuffer(body) ? [body] : body;
    const hash = createHash('sha256');
    for (const chunk of chunks) hash.update(chunk);
    const digest = hash.digest();
    headers['x-amz-content-sha256'] = digest.toString('hex');
    if (checksum) headers['x-amz-checksum-sha256'] = digest.toString('base64');
    // aws4 is not given the body: it would only hash it again (x-amz-content-sha256 is already there) and
    // add a form content-type.
    const signed = aws4.sign({ method, host, path, service: 's3', region, headers }, await this.credentials());
    const transport = this.base.protocol === 'https:' ? https : http;
    const what = `S3 ${method} ${bucket}/${key}${search ? `?${search}` : ''}`;
    return new Promise((resolve, reject) => {
      const request = transport.request(
        {
          protocol: this.base.protocol,
          hostname: pathStyle ? this.base.hostname : `${bucket}.${this.base.hostname}`,
          port: this.base.port || undefined,
          method,
          path,
          headers: signed.headers,
          agent: this.agent,
          timeout: REQUEST_TIMEOUT_MS,
        },
        (response) => {
          const success = (response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300;
          if (streamed && success) {
            // The request's timeout covers the whole download otherwise: only an idle socket is an error.
            request.setTimeout(0);
            response.setTimeout(REQUEST_TIMEOUT_MS, () => response.destroy(new Error(`${what}: no data for ${REQUEST_TIMEOUT_MS / 1000} s`)));
            return resolve(response);
          }
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const data = Buffer.concat(chunks);
            const status = response.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve({ status, headers: response.headers, body: data, checksum: digest.toString('base64') });
            const text = data.toString('utf8');
            // HEAD answers have no body: the status is all there is.
            const code = xmlText(text, 'Code') || (status === 404 ? 'NotFound' : `HTTP${status}`);
            const message = xmlText(text, 'Message');
            reject(new S3Error(`${what}: ${status} ${code}${message ? `: ${message}` : ''}`, status, code));
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error(`${what}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
      request.on('error', (error) => reject(error.message.startsWith(what) ? error : new Error(`${what}: ${this.explain(error)}`)));
      for (const chunk of chunks) request.write(chunk);
      request.end();
    });
  }

  /**
   * Node's TLS messages name neither the endpoint nor what the certificate was checked against; the usual
   * cause is a private endpoint whose CA was not given, so the message says both.
   */
  private explain(error: NodeJS.ErrnoException): string {
    if (!error.code || !TLS_FAILURE.test(error.code)) return error.message;
    const trust = this.location.ca
      ? 'the CA file given'
      : "Node.js's public CAs (no CA file given: a private endpoint needs the CA that signed its certificate, caConfigMap)";
    return `TLS with ${this.base.origin} failed: ${error.message} (${error.code}); the certificate was checked against ${trust}`;
  }
}

/** OpenSSL's certificate verification codes as node reports them, and node's own TLS and handshake codes. */
const TLS_FAILURE = /^(ERR_TLS_|ERR_SSL_)|CERT|SELF_SIGNED|UNABLE_TO_|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED|HOSTNAME_MISMATCH/;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** RFC 3986 unreserved characters stay, everything else is percent-encoded (what SigV4 signs). */
function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function xmlText(xml: string, tag: string): string {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  if (!match) return '';
  return match[1]
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&amp;/g, '&');
}
