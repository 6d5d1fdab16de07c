// agent/wal.sh where PostgreSQL can run it. With PGHA_PG_BIN (e2e/images/postgres-bin.ts) the postgres
// programs run inside an image's root file system, which sees the temp folder (TMPDIR, linked to the same
// path inside) but not the checkout: archive_command and restore_command must name a copy in it, or
// every call fails with 127 and archiving never starts.
import { chmodSync, copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let copy: string | undefined;

export function walScript(): string {
  if (!copy) {
    const dir = mkdtempSync(join(tmpdir(), 'pgha-walsh-'));
    // PostgreSQL runs as the postgres user; mkdtemp makes a folder only its owner (root) may enter.
    chmodSync(dir, 0o755);
    copy = join(dir, 'wal.sh');
    copyFileSync(join(__dirname, '../../agent/wal.sh'), copy);
    chmodSync(copy, 0o755);
  }
  return copy;
}
