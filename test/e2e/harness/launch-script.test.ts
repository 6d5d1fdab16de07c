import { launchScript, quote } from '../../../e2e/harness/launch-script';

describe('launchScript', () => {
  const script = launchScript({
    mounts: [
      { source: '/work/config', target: '/etc/pgha', readOnly: true },
      { source: '/work/run dir', target: '/run/pgha', readOnly: false },
    ],
    identity: { uid: 101, gid: 104, groups: [104], noNewPrivileges: true, readOnlyRootFilesystem: true },
    hostname: 'ha-postgres-0',
    workingDir: '/',
    argv: ['bash', '-c', "echo 'hi'"],
  });

  it('binds each volume at its rendered path, read-only ones remounted read-only, then the root filesystem', () => {
    expect(script.split('\n').slice(0, 5)).toEqual([
      'set -e',
      '/usr/bin/mount --bind /work/config /etc/pgha',
      '/usr/bin/mount -o remount,bind,ro /etc/pgha',
      "/usr/bin/mount --bind '/work/run dir' /run/pgha",
      '/usr/bin/mount -o remount,bind,ro /',
    ]);
  });

  it('sets the hostname, hands the container its own stdout/stderr, and execs the command as the container user', () => {
    expect(script.split('\n').slice(5)).toEqual([
      '/usr/bin/hostname ha-postgres-0',
      'cd /',
      'unset PWD OLDPWD',
      'exec 1>&3 2>&4 3>&- 4>&-',
      "exec /usr/bin/setpriv --reuid=101 --regid=104 --groups=104 --no-new-privs -- bash -c 'echo '\\''hi'\\'''",
      '',
    ]);
  });

  it('keeps the root filesystem writable and clears groups when the spec says so', () => {
    const plain = launchScript({ mounts: [], identity: { uid: 0, gid: 0, groups: [], noNewPrivileges: false, readOnlyRootFilesystem: false }, hostname: 'p', workingDir: '/w', argv: ['true'] });
    expect(plain).not.toContain('remount,bind,ro /\n');
    expect(plain).toContain('exec /usr/bin/setpriv --reuid=0 --regid=0 --clear-groups -- true');
  });
});

describe('quote', () => {
  it.each([
    ['plain/path-1.2', 'plain/path-1.2'],
    ['two words', "'two words'"],
    ["it's", "'it'\\''s'"],
    ['$HOME', "'$HOME'"],
  ])('%s → %s', (word, quoted) => expect(quote(word)).toBe(quoted));
});
