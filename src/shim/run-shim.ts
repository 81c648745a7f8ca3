import { existsSync } from 'node:fs';
import { HclError } from '../errors.js';
import { pathModuleFor, type Host } from '../host.js';
import { CACHE_VAR } from '../launcher/env-vars.js';
import { runLauncher } from '../launcher/run-launcher.js';
import { MANIFEST_NAME } from './layout.js';
import { findShimTarget, findShimTargetThroughLinks } from './real-compiler.js';

// Shim mode: this executable invoked as `clang++` (a link or copy in an llvm
// bin dir). The manifest beside the executable names the real compiler; the
// call then goes through the cache exactly as `hip-clang-launcher <real> ...`.
export async function runShim(invocation: { name: string; invokedPath: string; args: string[] }, host: Host): Promise<never> {
  const p = pathModuleFor(host.platform);
  // The link resolves to <bin>/hip-clang-launcher; on Windows the copy itself is in <bin>.
  const bin = p.dirname(host.realpath(host.execPath) ?? host.execPath);
  const target = findShimTarget(bin, invocation.name, host);
  if (!target && !existsSync(p.join(bin, MANIFEST_NAME))) {
    // Most likely the executable was renamed rather than installed as a shim.
    throw new HclError(
      'usage',
      `invoked as '${invocation.name}', and under any name but hip-clang-launcher this executable is a compiler shim, but no shim is installed in ${bin}`,
      `rename it to hip-clang-launcher${host.platform === 'win32' ? '.exe' : ''} to use the launcher and its commands`,
    );
  }
  if (!target) {
    // Never leave a name that reached the compiler before install broken: run
    // the real compiler under the invoked name (its driver mode), uncached.
    const viaLink = findShimTargetThroughLinks(bin, invocation.name, host);
    if (viaLink) {
      const compiler = p.join(bin, invocation.name);
      return runLauncher({ compiler, args: invocation.args, resolvedCompiler: viaLink.realCompiler, uncached: true }, host);
    }
    throw new HclError(
      'not-a-llvm-bin',
      `invoked as ${invocation.name}, but ${p.join(bin, MANIFEST_NAME)} lists no shim of that name`,
      `run 'hip-clang-launcher install <bin dir>' to install the shim, or 'hip-clang-launcher <compiler> <args...>' to compile`,
    );
  }
  // The cache chosen at install applies unless this call's environment picks one.
  const env = target.cache !== null && !host.env[CACHE_VAR] ? { ...host.env, [CACHE_VAR]: target.cache } : host.env;
  // argv[0] is <bin>/<name>-real: clang takes InstalledDir and its driver mode from it.
  return runLauncher({ compiler: target.realCompiler, args: invocation.args, resolvedCompiler: target.realCompiler }, { ...host, env });
}
