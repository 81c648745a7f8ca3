import type * as ChildProcessModule from 'node:child_process';
import type { Host } from '../host.js';
import { isString, memoise } from './memo.js';

// The compiler's major version, from `<compiler> --version` once per binary
// (memoised by path, size and mtime). Asked only for the few call shapes whose
// handling depends on it, never on every compile.
export function learnClangMajor(compiler: string, host: Host): number | undefined {
  const text = memoise(host, 'clang-version', compiler, () => {
    const { spawnSync } = process.getBuiltinModule('node:child_process') as typeof ChildProcessModule;
    const r = spawnSync(compiler, ['--version'], { encoding: 'utf8', timeout: 10_000, env: host.env, windowsHide: true, stdio: ['ignore', 'pipe', 'ignore'] });
    return r.status === 0 && typeof r.stdout === 'string' ? r.stdout : '';
  }, isString);
  const m = /clang version (\d+)\./.exec(text ?? '');
  return m ? Number(m[1]) : undefined;
}
