import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyFsGroup } from '../../../e2e/harness/fs-group';

// The process's own group: chgrp to it needs no privilege, so this runs anywhere.
const gid = process.getgid?.() ?? 0;
const mode = (path: string) => statSync(path).mode & 0o7777;

describe('applyFsGroup', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'fs-group-'));
    chmodSync(root, 0o755);
    mkdirSync(join(root, 'pgdata'), { mode: 0o700 });
    writeFileSync(join(root, 'pgdata', 'file'), 'x', { mode: 0o600 });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('gives every file the group with read-write, every folder setgid and group rwx (policy Always)', () => {
    applyFsGroup(root, gid, false);
    expect([mode(root), mode(join(root, 'pgdata')), mode(join(root, 'pgdata', 'file'))]).toEqual([0o2775, 0o2770, 0o660]);
    expect(statSync(join(root, 'pgdata', 'file')).gid).toBe(gid);
  });

  it('grants only read to the group on read-only volumes', () => {
    applyFsGroup(root, gid, true);
    expect([mode(root), mode(join(root, 'pgdata', 'file'))]).toEqual([0o2755, 0o640]);
  });

  it('skips the walk with OnRootMismatch once the root looks right', () => {
    applyFsGroup(root, gid, false, 'OnRootMismatch');
    chmodSync(join(root, 'pgdata'), 0o700);
    applyFsGroup(root, gid, false, 'OnRootMismatch');
    expect(mode(join(root, 'pgdata'))).toBe(0o700);
  });
});
