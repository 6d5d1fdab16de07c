import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = join(__dirname, '..', '..', '..', 'e2e', 'images', 'docker-archive.sh');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('e2e/images/docker-archive.sh', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'docker-archive-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function pack(name: string): { manifest: any; config: any; layer: Buffer; archive: string } {
    const rootfs = join(dir, 'rootfs');
    if (!existsSync(rootfs)) {
      mkdirSync(join(rootfs, 'usr', 'bin'), { recursive: true });
      writeFileSync(join(rootfs, 'usr', 'bin', 'hello'), '#!/bin/sh\necho hello\n', { mode: 0o755 });
      writeFileSync(join(rootfs, 'usr', 'bin', 'a-first'), 'x');
    }
    const archive = join(dir, `${name.replace(/\W/g, '_')}.tar`);
    execFileSync('bash', [SCRIPT, rootfs, name, '{"Env":["PATH=/usr/bin"],"Cmd":["hello"]}', archive]);
    const out = join(dir, 'out');
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out);
    execFileSync('tar', ['-xf', archive, '-C', out]);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const configBytes = readFileSync(join(out, manifest[0].Config));
    const layer = readFileSync(join(out, manifest[0].Layers[0]));
    expect(manifest[0].Config).toBe(`${sha256(configBytes)}.json`);
    return { manifest, config: JSON.parse(configBytes.toString('utf8')), layer, archive };
  }

  it('names the image, and its config names the layer by the digest of its bytes', () => {
    const { manifest, config, layer } = pack('docker.io/library/postgres:17');
    expect(manifest[0].RepoTags).toEqual(['docker.io/library/postgres:17']);
    expect(config.rootfs).toEqual({ type: 'layers', diff_ids: [`sha256:${sha256(layer)}`] });
    expect(config.config).toEqual({ Env: ['PATH=/usr/bin'], Cmd: ['hello'] });
    expect(config.os).toBe('linux');
    expect(config.architecture).toBe('amd64');
  });

  it('puts the root file system in the layer with numeric owners and modes kept', () => {
    const { manifest, archive } = pack('docker.io/library/node:24-alpine');
    const listing = execFileSync('bash', ['-c', `tar -xOf ${archive} ${manifest[0].Layers[0]} | tar -tvf - --numeric-owner`], { encoding: 'utf8' });
    expect(listing).toMatch(/-rwxr-xr-x 0\/0 .* \.\/usr\/bin\/hello/);
  });

  it('packs the same files (names, owners, times) into the same layer bytes, whatever order the disk lists them in', () => {
    const first = pack('a:1').layer;
    const second = pack('a:1').layer;
    expect(sha256(second)).toBe(sha256(first));
  });
});
