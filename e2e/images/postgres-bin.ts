/**
 * Runs a command with another PostgreSQL major's programs for the real-PostgreSQL tests, taken from the
 * e2e suite's own `postgres:<major>` image (e2e/cluster builds and caches it):
 *
 *   npx ts-node --transpile-only e2e/images/postgres-bin.ts 18 -- npx jest test/agent/http/postgres-metrics.postgres.test.ts
 *
 * The host has Debian's PostgreSQL 15 only, and 17 (trixie) and 18 (sid) need a newer C library than the
 * host's, so their programs run inside the image's root file system: the image is unpacked once next to
 * it in the cache, and each program gets a wrapper that starts it there, as the calling (postgres) user,
 * with `unshare --user --mount --map-current-user --root` (no privilege needed beyond an unprivileged user
 * namespace), or with chroot when root calls it. The command gets PGHA_PG_BIN (the wrappers, test/support/pg-fixture.ts) and TMPDIR
 * `/tmp/pgha-pg<major>`: on the host a link to the root's /tmp, inside the root a link to its own /tmp, so
 * the fixture's paths name the same files inside and outside, and stay short enough for a Unix socket
 * (108 bytes; the cache's path is too long for one).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, appendFileSync, renameSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { postgresImageTarball } from '../cluster/artifacts';

function shortTmp(major: string): string {
  return `/tmp/pgha-pg${major}`;
}

async function unpacked(major: string): Promise<{ root: string; bin: string }> {
  const tarball = await postgresImageTarball(major);
  const root = `${dirname(tarball)}-rootfs`;
  const bin = `${root}-bin`;
  if (existsSync(join(root, '.complete'))) return { root, bin };
  const work = mkdtempSync(`${root}.partial-`);
  try {
    const layers = join(work, 'layers');
    const tree = join(work, 'root');
    mkdirSync(layers);
    mkdirSync(tree);
    execFileSync('tar', ['-xf', tarball, '-C', layers]);
    const [manifest] = JSON.parse(readFileSync(join(layers, 'manifest.json'), 'utf8')) as [{ Layers: string[] }];
    for (const layer of manifest.Layers) execFileSync('tar', ['-xf', join(layers, layer), '-C', tree]);
    // The host's postgres user (who the fixture runs programs as) must exist inside for initdb.
    const uid = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
    const gid = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim();
    appendFileSync(join(tree, 'etc', 'passwd'), `pghost:x:${uid}:${gid}::/tmp:/bin/sh\n`);
    appendFileSync(join(tree, 'etc', 'group'), `pghost:x:${gid}:\n`);
    chmodSync(join(tree, 'tmp'), 0o1777);
    symlinkSync('/tmp', join(tree, 'tmp', basename(shortTmp(major))));
    rmSync(root, { recursive: true, force: true });
    renameSync(tree, root);
    const programs = join(root, 'usr', 'lib', 'postgresql', major, 'bin');
    rmSync(bin, { recursive: true, force: true });
    mkdirSync(bin);
    for (const program of readdirSync(programs)) {
      const inside = `/usr/lib/postgresql/${major}/bin/${program}`;
      // root (a test running psql itself) uses chroot: in a user namespace it would lose its power over
      // files of users the namespace does not map.
      const wrapper = `#!/bin/sh\nif [ "$(id -u)" = 0 ]; then exec chroot ${root} ${inside} "$@"; fi\nexec unshare --user --mount --map-current-user --root=${root} ${inside} "$@"\n`;
      writeFileSync(join(bin, program), wrapper, { mode: 0o755 });
    }
    writeFileSync(join(root, '.complete'), `${basename(tarball)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { root, bin };
}

async function main(): Promise<number> {
  const [major, separator, ...command] = process.argv.slice(2);
  if (!/^\d+$/.test(major ?? '') || separator !== '--' || command.length === 0) {
    throw new Error('usage: e2e/images/postgres-bin.ts <major> -- <command> [args...]');
  }
  const { root, bin } = await unpacked(major);
  // A container runtime mounts /dev/shm as a world-writable tmpfs; the image's own folder is root's
  // (0755), so PostgreSQL's POSIX shared memory could not be created there. Set on every run: roots
  // unpacked before this line was added are fixed too.
  chmodSync(join(root, 'dev', 'shm'), 0o1777);
  const tmp = shortTmp(major);
  rmSync(tmp, { force: true });
  symlinkSync(join(root, 'tmp'), tmp);
  const run = spawnSync(command[0], command.slice(1), { stdio: 'inherit', env: { ...process.env, PGHA_PG_BIN: bin, TMPDIR: tmp } });
  return run.status ?? 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
