/**
 * A PostgreSQL major version the cluster can run.
 *
 * Only the majors the failover agent and the supervisor script are built and tested for
 * (streaming replication, `pg_rewind`, `pg_promote()`, reloadable `primary_conninfo`) are offered;
 * anything else is rejected when the construct is created.
 *
 * @see https://www.postgresql.org/support/versioning/
 */
export class PostgresVersion {
  /** PostgreSQL 15. */
  public static readonly V15 = new PostgresVersion(15);
  /** PostgreSQL 16. */
  public static readonly V16 = new PostgresVersion(16);
  /** PostgreSQL 17. */
  public static readonly V17 = new PostgresVersion(17);
  /** PostgreSQL 18. */
  public static readonly V18 = new PostgresVersion(18);

  /**
   * A supported version given by its major number, e.g. `PostgresVersion.of('17')` (the same object
   * as `PostgresVersion.V17`).
   *
   * @throws if `major` is not one of the supported majors (15, 16, 17, 18).
   */
  public static of(major: string): PostgresVersion {
    const supported = [PostgresVersion.V15, PostgresVersion.V16, PostgresVersion.V17, PostgresVersion.V18];
    const version = supported.find((v) => String(v.major) === major);
    if (!version) {
      const majors = supported.map((v) => v.major).join(', ');
      throw new Error(`version must be one of the supported PostgreSQL majors ${majors}, got "${major}"`);
    }
    return version;
  }

  /** The official image for this major: `postgres:<major>` (Debian based, runs as uid 999). */
  public readonly defaultImage: string;

  private constructor(
    /** The major version number, e.g. 17. */
    public readonly major: number,
  ) {
    this.defaultImage = `postgres:${major}`;
  }
}
