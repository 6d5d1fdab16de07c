/**
 * The rendered mount paths (/etc/pgha, /opt/pgha, /run/pgha, /var/lib/postgresql/data, the
 * service-account folder) must exist on the host before a container's mount namespace can bind a
 * volume over them. The kubelet creates the missing ones as empty folders (or empty files for a file
 * subPath) and records them, so the harness removes exactly those afterwards, even after a crash.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class MountPoints {
  private readonly created: string[];

  constructor(private readonly recordFile: string) {
    this.created = existsSync(recordFile) ? (JSON.parse(readFileSync(recordFile, 'utf8')) as string[]) : [];
  }

  ensure(target: string, isFile: boolean): void {
    const missing: string[] = [];
    for (let path = target; !existsSync(path); path = dirname(path)) missing.unshift(path);
    if (missing.length === 0) return;
    for (const path of missing) {
      if (path === target && isFile) writeFileSync(path, '');
      else mkdirSync(path);
      this.created.push(path);
    }
    mkdirSync(dirname(this.recordFile), { recursive: true });
    writeFileSync(this.recordFile, JSON.stringify(this.created));
  }

  /** Deepest first; anything someone else put inside a created folder keeps that folder. */
  removeCreated(): void {
    for (const path of [...this.created].reverse()) {
      try {
        if (isEmptyFile(path)) unlinkSync(path);
        else rmdirSync(path);
      } catch {
        // Not empty or already gone: left as it is.
      }
    }
    this.created.length = 0;
    rmSync(this.recordFile, { force: true });
  }
}

function isEmptyFile(path: string): boolean {
  try {
    return readFileSync(path).length === 0;
  } catch {
    return false;
  }
}
