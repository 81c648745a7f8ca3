import { posix, win32 } from 'node:path';
import { describe, expect, it } from 'vitest';
import { joinNames } from '../../src/host.js';

// joinNames (src/host.ts) stands in for path.join on the hot path, skipping its
// normalising where the directory is already normal: it must give join's own
// string for every directory and name, normal or not (PATH entries and
// environment variables are whatever the user wrote).
describe('joinNames gives what path.join gives', () => {
  const dirs = ['/usr/bin', '/usr/bin/', '/', '/usr//bin', '/usr/./bin', '/usr/bin/.', '/usr/../bin', '/usr/bin/..', 'bin', 'bin/', './bin', '../bin', '.', '..', '', '/a/...', '/a/.b', '/a/b.', '/a/..b', '/a b/c'];
  const names = [['ccache'], ['.ccache'], ['.config', 'ccache'], ['sccache', 'config'], ['version-ccache-0123456789abcdef.json'], ['.'], ['..'], [''], ['a/b'], ['a', '..'], ['...']];
  it('on POSIX', () => {
    for (const dir of dirs) for (const n of names) expect(joinNames('linux', dir, ...n), `${JSON.stringify(dir)} + ${JSON.stringify(n)}`).toBe(posix.join(dir, ...n));
  });
  it('on Windows (always join itself)', () => {
    for (const dir of ['C:\\Users\\me', 'C:\\Users\\me\\', 'C:/x//y', '\\\\server\\share']) for (const n of names) expect(joinNames('win32', dir, ...n)).toBe(win32.join(dir, ...n));
  });
});
