/**
 * The tls-from-secret scenario's chart, which no example covers: two members (one standby is enough to
 * verify replication) whose certificate comes from Secret `tls-postgres-tls`, as a platform or
 * cert-manager provides it (`PostgresTls.fromSecret`). It has no committed render: the suite renders it
 * on every major the way charts.ts renders the examples on 15 and 18.
 */
import { Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { PostgresCluster, PostgresTls, type PostgresVersion } from '../../lib';

export const TLS_POSTGRES = 'tls-postgres';
export const TLS_POSTGRES_SECRET = `${TLS_POSTGRES}-tls`;

export class TlsPostgresChart extends Chart {
  constructor(scope: Construct, id: string, version: PostgresVersion) {
    super(scope, id, { namespace: 'demo' });
    new PostgresCluster(this, TLS_POSTGRES, {
      version,
      replicas: 2,
      storageClassName: 'standard',
      storageSize: Size.mebibytes(50),
      tls: PostgresTls.fromSecret(kplus.Secret.fromSecretName(this, 'Tls', TLS_POSTGRES_SECRET)),
    });
  }
}
