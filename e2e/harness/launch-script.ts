/**
 * The shell script that turns a fresh process in the pod's network namespace, and in its own mount,
 * PID and UTS namespaces, into the container: volumes bind-mounted at their rendered paths, the root
 * filesystem read-only if asked, the pod's hostname, then the rendered command under the container's
 * user. It runs as root only until the final exec.
 */
import type { Mount } from './mount-plan';
import type { ProcessIdentity } from './security';

export interface LaunchSpec {
  readonly mounts: readonly Mount[];
  readonly identity: ProcessIdentity;
  readonly hostname: string;
  readonly workingDir: string;
  /** command + args, `$(VAR)` already expanded. */
  readonly argv: readonly string[];
}

export function launchScript(spec: LaunchSpec): string {
  const { identity } = spec;
  const lines = ['set -e'];
  for (const mount of spec.mounts) {
    lines.push(`/usr/bin/mount --bind ${quote(mount.source)} ${quote(mount.target)}`);
    if (mount.readOnly) lines.push(`/usr/bin/mount -o remount,bind,ro ${quote(mount.target)}`);
  }
  // A per-mount flag in this mount namespace only: "bind" keeps the host's filesystem writable.
  if (identity.readOnlyRootFilesystem) lines.push('/usr/bin/mount -o remount,bind,ro /');
  lines.push(`/usr/bin/hostname ${quote(spec.hostname)}`);
  lines.push(`cd ${quote(spec.workingDir)}`);
  // sh exports these; a container's environment is exactly what the kubelet built.
  lines.push('unset PWD OLDPWD');
  const setpriv = [
    '/usr/bin/setpriv',
    `--reuid=${identity.uid}`,
    `--regid=${identity.gid}`,
    identity.groups.length > 0 ? `--groups=${identity.groups.join(',')}` : '--clear-groups',
    ...(identity.noNewPrivileges ? ['--no-new-privs'] : []),
    '--',
  ];
  // From here on the output is the container's: fds 3 and 4 (see container-process.ts).
  lines.push('exec 1>&3 2>&4 3>&- 4>&-');
  lines.push(`exec ${[...setpriv, ...spec.argv.map(quote)].join(' ')}`);
  return `${lines.join('\n')}\n`;
}

export function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
