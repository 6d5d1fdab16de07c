// What agent/wal.sh does for PostgreSQL's archive_command and restore_command, for tests that drive a
// WalServer without PostgreSQL: the request written under a temporary name and renamed into place, then
// the answer waited for, read and removed.
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Asks the WalServer whose folder is `dir` to archive or restore `name` (`path` as wal.sh passes it); its answer. */
export async function askWalServer(dir: string, verb: 'archive' | 'restore', name: string, path: string): Promise<string> {
  const request = join(dir, 'run', 'wal', `${name}.${verb}`);
  await rm(`${request}.answer`, { force: true });
  await writeFile(`${request}.tmp`, `${path}\n`);
  await rename(`${request}.tmp`, request);
  const deadline = Date.now() + 10_000;
  while (!existsSync(`${request}.answer`)) {
    if (Date.now() > deadline) throw new Error(`no answer to ${name}.${verb}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const answer = (await readFile(`${request}.answer`, 'utf8')).trim();
  await rm(`${request}.answer`);
  return answer;
}
