/**
 * The TLS scenarios' clients on the host, as a person would run them: psql (libpq) and `openssl
 * s_client`. The host has no cluster DNS, so libpq connects to an address with `hostaddr` and verifies
 * the certificate against `host`, the name an application in the cluster uses (libpq's documented way
 * to connect to an address under a name); openssl does the same with -servername and -verify_hostname.
 */
import { execFile } from 'node:child_process';

/** Runs a client with only PATH (and the password) in its environment; resolves with its output, rejects with its stderr. */
function client(program: string, args: readonly string[], password: string, input = ''): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(program, args, { encoding: 'utf8', timeout: 15_000, env: { PATH: process.env.PATH, PGPASSWORD: password, PGCONNECT_TIMEOUT: '3' } },
      (error, stdout, stderr) => (error ? reject(new Error(stderr.trim() || error.message)) : resolve({ stdout, stderr })));
    child.stdin?.end(input);
  });
}

export interface LibpqTarget {
  /** The DNS name the certificate is verified against. */
  readonly host: string;
  /** The address connected to (a Service's cluster address, a pod's). */
  readonly hostaddr: string;
  readonly sslmode: 'verify-full' | 'disable';
  readonly sslrootcert: string;
}

/** `psql -X -A -t -c <sql> "<conninfo>"` as user postgres; its output trimmed. */
export async function psql(target: LibpqTarget, password: string, sql: string): Promise<string> {
  const conninfo = `host=${target.host} hostaddr=${target.hostaddr} port=5432 user=postgres dbname=postgres sslmode=${target.sslmode} sslrootcert=${target.sslrootcert}`;
  const { stdout } = await client('psql', ['-X', '-A', '-t', '-c', sql, conninfo], password);
  return stdout.trim();
}

/** The error psql exits with, or undefined when it connected. */
export function psqlRefusal(target: LibpqTarget, password: string): Promise<Error | undefined> {
  return psql(target, password, 'select 1').then(() => undefined, (e: Error) => e);
}

/**
 * `openssl s_client -starttls postgres` to address:5432 with SNI and host name verification of `name`
 * against `caFile`; its output (stdout and stderr), whether or not verification passed.
 */
export function opensslVerify(address: string, name: string, caFile: string): Promise<string> {
  return client('openssl', ['s_client', '-starttls', 'postgres', '-connect', `${address}:5432`, '-servername', name,
    '-verify_hostname', name, '-CAfile', caFile, '-verify_return_error', '-brief'], '', 'Q\n').then((r) => `${r.stdout}${r.stderr}`, (e: Error) => e.message);
}
