import { PostgresVersion } from '../../lib';
import { container, render } from './helpers';

describe('PostgresVersion', () => {
  test.each([
    [PostgresVersion.V15, 15],
    [PostgresVersion.V16, 16],
    [PostgresVersion.V17, 17],
    [PostgresVersion.V18, 18],
  ])('offers major %#', (version, major) => {
    expect(version.major).toBe(major);
    expect(version.defaultImage).toBe(`postgres:${major}`);
  });

  test('of() returns the same object as the static member', () => {
    expect(PostgresVersion.of('17')).toBe(PostgresVersion.V17);
    expect(PostgresVersion.of('15')).toBe(PostgresVersion.V15);
  });

  test.each(['9.6', '14', 'abc', '17.2', '', '19'])('fails when the major is %p', (major) => {
    expect(() => PostgresVersion.of(major)).toThrow(new Error(
      `version must be one of the supported PostgreSQL majors 15, 16, 17, 18, got "${major}"`,
    ));
  });

  test('the version picks the default postgres image', () => {
    const { manifests } = render({ version: PostgresVersion.of('16') });
    expect(container(manifests, 'pg', 'postgres').image).toBe('postgres:16');
  });

  test('a given postgres image replaces the default', () => {
    const { manifests } = render({ postgresImage: 'registry.example.com/postgres:16.4' });
    expect(container(manifests, 'pg', 'postgres').image).toBe('registry.example.com/postgres:16.4');
  });
});
