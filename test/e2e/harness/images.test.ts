import { imageSubstitute } from '../../../e2e/harness/images';

describe('imageSubstitute', () => {
  it.each(['postgres:15', 'postgres:15.4-bookworm', 'docker.io/library/postgres:15@sha256:abc'])('runs %s on the machine\'s PostgreSQL 15', (image) => {
    expect(imageSubstitute(image).env).toEqual({
      PATH: '/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      PG_MAJOR: '15',
      PGDATA: '/var/lib/postgresql/data',
      LANG: 'C.UTF-8',
      HOME: '/var/lib/postgresql',
    });
  });

  it('runs node images on the machine\'s node', () => {
    expect(imageSubstitute('node:24-alpine', '/opt/node/bin/node').env.PATH).toBe('/opt/node/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  });

  it('fails for a PostgreSQL major the machine does not have', () => {
    expect(() => imageSubstitute('postgres:17')).toThrow('image postgres:17: the e2e harness has PostgreSQL 15 binaries only (render the chart with PostgresVersion.V15)');
  });

  it('fails for an image it cannot stand in for', () => {
    expect(() => imageSubstitute('ghcr.io/acme/agent:1')).toThrow('image ghcr.io/acme/agent:1: the e2e harness stands in for postgres:15*, node:* and debian:* only');
  });
});
