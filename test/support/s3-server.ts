/**
 * A real S3 server for tests: versitygw (github.com/versity/versitygw, Apache-2.0), an S3 gateway that
 * stores objects as files under a temp folder. Built from its Go module by e2e/cluster/artifacts.ts and
 * cached in /var/cache/cdk8s-postgres-ha (a machine's first run builds it, a minute or two).
 *
 * The server checks SigV4 signatures, content digests and bucket names as AWS does, so what passes here
 * passes for the signing and the XML, not for a mock's idea of S3.
 */
import aws4 from 'aws4';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Store } from '../../agent/backup/s3';
import { ensureVersitygw } from '../../e2e/cluster/artifacts';
import type { StoreCertificates } from './store-certificates';

export interface S3ServerOptions {
  /** The address to listen on; the e2e scenario uses the CNI bridge's, so pods can reach it. @default 127.0.0.1 */
  readonly host?: string;
  /** @default a free port */
  readonly port?: number;
  /** Serve HTTPS with this certificate (versitygw's --cert/--key); `client()` trusts its CA. @default plain HTTP */
  readonly tls?: StoreCertificates;
}

export class S3Server {
  static readonly ACCESS_KEY_ID = 'pgha-test-access';
  static readonly SECRET_ACCESS_KEY = 'pgha-test-secret-key-0123456789';
  static readonly REGION = 'us-east-1';

  /** Builds versitygw if it is not cached, starts it over a fresh temp folder and waits until it answers. */
  static async start(options: S3ServerOptions = {}): Promise<S3Server> {
    const binary = await ensureVersitygw();
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? (await freePort(host));
    const server = new S3Server(binary, await mkdtemp(join(tmpdir(), 'pgha-s3-')), host, port, options.tls);
    await server.restart();
    return server;
  }

  private child: ChildProcess | undefined;

  private constructor(
    private readonly binary: string,
    /** The folder the objects live in: `<root>/<bucket>/<key>`. */
    readonly root: string,
    readonly host: string,
    readonly port: number,
    readonly tls: StoreCertificates | undefined,
  ) {}

  /** Starts the server over its folder (again, after `kill()`) and waits until it answers. */
  async restart(): Promise<void> {
    const tls = this.tls ? ['--cert', this.tls.certFile, '--key', this.tls.keyFile] : [];
    const child = spawn(this.binary, ['--port', `${this.host}:${this.port}`, '--region', S3Server.REGION, ...tls, 'posix', this.root], {
      env: { ...process.env, ROOT_ACCESS_KEY_ID: S3Server.ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY: S3Server.SECRET_ACCESS_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 30_000;
    while ((await this.call('GET', '/').catch(() => 0)) !== 200) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await this.kill();
        throw new Error(`versitygw did not start on ${this.host}:${this.port}:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The server's process id while it runs (benches read its CPU time from /proc). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get endpoint(): string {
    return `${this.tls ? 'https' : 'http'}://${this.host}:${this.port}`;
  }

  /** The agent's store client for `bucket` on this server (path-style, signed with the test keys, trusting the CA on HTTPS). */
  client(bucket: string): S3Store {
    return new S3Store(
      { endpoint: this.endpoint, region: S3Server.REGION, bucket, pathStyle: true, ...(this.tls ? { ca: this.tls.caPem } : {}) },
      () => ({ accessKeyId: S3Server.ACCESS_KEY_ID, secretAccessKey: S3Server.SECRET_ACCESS_KEY }),
    );
  }

  /** CreateBucket, as a user does once before pointing backups at it. */
  async createBucket(bucket: string): Promise<void> {
    const status = await this.call('PUT', `/${bucket}`);
    if (status !== 200) throw new Error(`CreateBucket ${bucket}: HTTP ${status}`);
  }

  /** Stops the server (SIGKILL: tests also use this to take the store down) and removes its folder. */
  async stop(): Promise<void> {
    await this.kill();
    await rm(this.root, { recursive: true, force: true });
  }

  /** Stops the server and keeps its folder, so `restart()` brings the same store back. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  }

  private call(method: string, path: string): Promise<number> {
    const signed = aws4.sign(
      { method, host: `${this.host}:${this.port}`, path, service: 's3', region: S3Server.REGION, headers: {} },
      { accessKeyId: S3Server.ACCESS_KEY_ID, secretAccessKey: S3Server.SECRET_ACCESS_KEY },
    );
    return new Promise((resolve, reject) => {
      const options = { host: this.host, port: this.port, method, path, headers: signed.headers };
      const answered = (response: http.IncomingMessage) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      };
      const request = this.tls ? https.request({ ...options, ca: this.tls.caPem }, answered) : http.request(options, answered);
      request.on('error', reject);
      request.end();
    });
  }
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
