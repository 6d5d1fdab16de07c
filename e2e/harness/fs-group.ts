/**
 * What the kubelet does to a volume when the pod has an fsGroup (pkg/volume/volume_linux.go,
 * SetVolumeOwnership): every file gets the group, read(-write) for the group, directories the setgid
 * bit. With fsGroupChangePolicy OnRootMismatch the walk is skipped when the volume's root already
 * looks right; with Always (the default) it runs at every mount.
 */
import { chmodSync, lchownSync, lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';

const SETGID = 0o2000;
const RW_GROUP = 0o660;
const RO_GROUP = 0o440;
const EXEC = 0o110;

export type FsGroupChangePolicy = 'Always' | 'OnRootMismatch';

export function applyFsGroup(root: string, gid: number, readOnly: boolean, policy: FsGroupChangePolicy = 'Always'): void {
  if (policy === 'OnRootMismatch' && rootMatches(lstatSync(root), gid, readOnly)) return;
  walk(root, (path, stats) => {
    lchownSync(path, -1, gid);
    if (stats.isSymbolicLink()) return;
    const mask = (readOnly ? RO_GROUP : RW_GROUP) | (stats.isDirectory() ? SETGID | EXEC : 0);
    chmodSync(path, (stats.mode & 0o7777) | mask);
  });
}

function rootMatches(stats: Stats, gid: number, readOnly: boolean): boolean {
  const wanted = (readOnly ? RO_GROUP : RW_GROUP) | EXEC;
  return stats.gid === gid && (stats.mode & SETGID) !== 0 && (stats.mode & wanted) === wanted;
}

function walk(path: string, visit: (path: string, stats: Stats) => void): void {
  const stats = lstatSync(path);
  visit(path, stats);
  if (stats.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry), visit);
}
