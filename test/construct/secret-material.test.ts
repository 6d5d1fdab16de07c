import { gzipSync } from 'zlib';
import { generateKeyPairSync, randomBytes } from 'crypto';
import { Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { addExamples } from '../../examples/app';
import { clusterCase, PROPERTY_RUNS, renderCase } from './arbitrary-props';
import { Manifest } from './helpers';
import { secretMaterial } from './secret-material';

function pod(env: object[], extra: object = {}): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'app', namespace: 'demo' },
    spec: { containers: [{ name: 'app', image: 'app', env, ...extra }] },
  };
}

describe('the secret scanner', () => {
  test('finds a Secret with data', () => {
    expect(secretMaterial([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'demo' }, stringData: { a: 'b' } }]))
      .toEqual(['Secret demo/s: a Secret with data']);
  });

  test('finds passwords, tokens and keys given as literal env values, not those from a secretKeyRef', () => {
    expect(secretMaterial([pod([
      { name: 'PGPASSWORD', value: 'hunter2' },
      { name: 'GITHUB_TOKEN', value: 'x' },
      { name: 'AWS_SECRET_KEY', value: 'x' },
      { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'pg-auth', key: 'POSTGRES_PASSWORD' } } },
      { name: 'PGHA_AUTH_SECRET', value: 'pg-auth' },
    ])])).toEqual([
      'Pod demo/app .spec.containers[0].env[0]: PGPASSWORD has a literal value, not a secretKeyRef',
      'Pod demo/app .spec.containers[0].env[1]: GITHUB_TOKEN has a literal value, not a secretKeyRef',
      'Pod demo/app .spec.containers[0].env[2]: AWS_SECRET_KEY has a literal value, not a secretKeyRef',
    ]);
  });

  test('finds a PEM private key anywhere, the agent bundle included', () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const bundle = gzipSync(`const k = \`${key}\`;`).toString('base64');
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'demo' }, binaryData: { 'agent.js.gz': bundle } };
    expect(secretMaterial([configMap])).toEqual(['ConfigMap demo/c .binaryData.agent.js.gz: a PEM private key']);
  });

  test('finds random-looking strings and passwords in URLs, but not names, paths and certificates', () => {
    // Fixed, not drawn: one random draw in a few hundred has no digit, which the scanner (rightly) passes.
    const token = 'kfAasvlBIuojtTAOnOJHMivyBA+RylGS9';
    const certificate = `-----BEGIN CERTIFICATE-----\n${randomBytes(300).toString('base64')}\n-----END CERTIFICATE-----\n`;
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'demo' },
      data: {
        'a': `token ${token}`,
        'b': 'postgres://app:s3cret@db:5432/app',
        'c': 'host=db password=s3cret',
        'ca.crt': certificate,
        'd': 'controller-revision-hash ha-postgres-7d9f8c6b5a /var/lib/postgresql/data/pgdata ALongIdentifierWithoutDigitsAtAll',
      },
    };
    expect(secretMaterial([configMap])).toEqual([
      `ConfigMap demo/c .data.a: a random-looking string "${token}"`,
      'ConfigMap demo/c .data.b: a password in a URL or connection string',
      'ConfigMap demo/c .data.c: a password in a URL or connection string',
    ]);
  });
});

describe('no secret-looking material in the rendered YAML', () => {
  test('in the examples', () => {
    const app = Testing.app();
    addExamples(app);
    expect(secretMaterial(app.charts.flatMap((chart) => Testing.synth(chart)))).toEqual([]);
  });

  test('with a given auth Secret and every peer kind', () => {
    const { manifests } = renderCase({ id: 'pg', namespace: 'demo', props: {}, authSecretName: 'corp-credentials', peers: [
      { kind: 'deployment', name: 'app' }, { kind: 'namespace', name: 'apps' }, { kind: 'cidr', cidr: '10.0.0.0/8' },
    ] });
    expect(secretMaterial(manifests)).toEqual([]);
  });

  test('for random props (fast-check, seeded), which also render the same objects twice', () => {
    // The same objects, fields in the same order: the YAML written from them is then the same bytes
    // (which cluster.test.ts and examples.test.ts compare for fixed props; YAML is slow for 1000 runs).
    fc.assert(fc.property(clusterCase, (c) => {
      let manifests: Manifest[];
      try {
        manifests = renderCase(c).manifests;
      } catch {
        return; // properties.test.ts checks the errors
      }
      const findings = secretMaterial(manifests);
      if (findings.length > 0) {
        throw new Error(`secret-looking material: ${findings.join('; ')}`);
      }
      if (JSON.stringify(renderCase(c).manifests) !== JSON.stringify(manifests)) {
        throw new Error('two renders differ');
      }
    }), PROPERTY_RUNS);
  });
});
