// The object store's credentials, read from the user's Secret through the API (as the auth Secret is) and
// kept for a minute: a rotated key is picked up without a restart, and archiving a segment costs no API
// call in the common case.
import type { S3Credentials } from './s3';

const REFRESH_MS = 60_000;

export interface SecretReader {
  get(name: string): Promise<Record<string, string> | null>;
}

export class StoreCredentials {
  private cached: { value: S3Credentials; at: number } | null = null;

  constructor(
    private readonly secrets: SecretReader,
    private readonly secretName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<S3Credentials> {
    if (this.cached && this.now() - this.cached.at < REFRESH_MS) return this.cached.value;
    const data = await this.secrets.get(this.secretName);
    if (!data) throw new Error(`the object store's credentials Secret ${this.secretName} does not exist`);
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = data;
    if (!accessKeyId || !secretAccessKey) {
      throw new Error(`the Secret ${this.secretName} must carry AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`);
    }
    const value = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
    this.cached = { value, at: this.now() };
    return value;
  }
}
