/**
 * Image → local binaries. The harness has no container runtime: a container runs its rendered
 * command on this machine's filesystem, with the image's environment replaced by the local
 * equivalent of what the image provides. Only the images the product renders are known.
 */
import { dirname } from 'node:path';

export const POSTGRES_BIN_DIR = '/usr/lib/postgresql/15/bin';
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ImageSubstitute {
  /** The image's ENV (and the runtime's HOME) as the local machine provides it. */
  readonly env: Record<string, string>;
}

/** @throws for an image the harness cannot stand in for, naming what it can. */
export function imageSubstitute(image: string, nodeBinary: string = process.execPath): ImageSubstitute {
  const [repository, tag = 'latest'] = splitImage(image);
  if (repository === 'postgres') {
    if (!/^15(\b|\.|-)/.test(tag)) {
      throw new Error(`image ${image}: the e2e harness has PostgreSQL 15 binaries only (render the chart with PostgresVersion.V15)`);
    }
    // The official image sets PG_MAJOR, PGDATA and LANG=en_US.utf8; this machine has only the C
    // locales, and the supervisor passes --locale itself.
    return {
      env: {
        PATH: `${POSTGRES_BIN_DIR}:${SYSTEM_PATH}`,
        PG_MAJOR: '15',
        PGDATA: '/var/lib/postgresql/data',
        LANG: 'C.UTF-8',
        HOME: '/var/lib/postgresql',
      },
    };
  }
  if (repository === 'node') {
    return { env: { PATH: `${dirname(nodeBinary)}:${SYSTEM_PATH}`, HOME: '/' } };
  }
  if (repository === 'debian') {
    return { env: { PATH: SYSTEM_PATH, HOME: '/root' } };
  }
  throw new Error(`image ${image}: the e2e harness stands in for postgres:15*, node:* and debian:* only`);
}

/** `docker.io/library/postgres:15.4@sha256:…` → [`postgres`, `15.4`]. */
function splitImage(image: string): [string, string | undefined] {
  const withoutDigest = image.split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  const path = colon < 0 ? withoutDigest : withoutDigest.slice(0, colon);
  const tag = colon < 0 ? undefined : withoutDigest.slice(colon + 1);
  const repository = path.replace(/^(docker\.io\/)?(library\/)?/, '');
  return [repository, tag];
}
