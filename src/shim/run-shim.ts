import { existsSync } from 'node:fs';
import { HclError } from '../errors.js';
import { pathModuleFor, type Host } from '../host.js';
import { CACHE_VAR } from '../launcher/env-vars.js';
import { layerEnv } from '../launcher/layered-env.js';
import type { LaunchRequest } from '../launcher/plan-launch.js';
import { runLauncher } from '../launcher/run-launcher.js';
import { phaseEnds } from '../launcher/phases.js';
import { cacheNameFor } from '../launcher/cache-name-link.js';
import { JOURNAL_NAME, MANIFEST_NAME } from './layout.js';
import { locateRealCompiler } from './real-compiler.js';

// Shim mode: this executable invoked as `clang++` (a link or copy in an llvm
// bin dir). The manifest beside the executable names the real compiler; the
// call then goes through the cache exactly as `hip-clang-launcher <real> ...`.
// While an install or uninstall is changing the dir, the real compiler is
// found another way (real-compiler.ts) and the call runs uncached.
export async function runShim(invocation: { name: string; invokedPath: string; args: string[]; clangSelfExec?: true }, host: Host): Promise<never> {
  const p = pathModuleFor(host.platform);
  // The link resolves to <bin>/hip-clang-launcher; on Windows the copy itself is in <bin>.
  const self = host.realpath(host.execPath) ?? host.execPath;
  const bin = p.dirname(self);
  let cache: string | null = null;
  const locate = (): LaunchRequest => {
    // clang re-running itself (`-cc1`) needs its binary, reached by any wrapped name of it; never a cache.
    const names = invocation.clangSelfExec ? ['clang', 'clang++'] : [invocation.name];
    const target = names.map((name) => locateRealCompiler(bin, name, host, self)).find((t) => t !== undefined);
    if (target && invocation.clangSelfExec) return { compiler: target.compiler, args: invocation.args, resolvedCompiler: target.file, uncached: true };
    if (target) {
      cache = target.cache;
      // The cache runs <bin>/<name>-real (clang keeps its driver mode: the `-real` component is
      // dropped); run directly, argv[0] is the invoked name, as for the bare compiler: clang-21
      // names itself by it in diagnostics (`clang++: error:`, not `clang++-real: error:`).
      // clang takes InstalledDir and its resource dir from its real path, whatever argv[0] says.
      // A cache is given a link named as invoked (cache-name-link.ts), for the same reason; asked
      // for only on the cache route, since it may ask the compiler its version.
      const compilerForCache = () => cacheNameFor(bin, invocation.name, target.compiler, invocation.args, host);
      return { compiler: target.compiler, args: invocation.args, resolvedCompiler: target.file, uncached: target.uncached, argv0: invocation.invokedPath, compilerForCache };
    }
    if (invocation.clangSelfExec) {
      throw new HclError(
        'usage',
        `unknown option '${invocation.args[0]}': clang's internal mode reaches this executable only as a shim, and no shim with a real clang is installed in ${bin}`,
        `run clang itself, or 'hip-clang-launcher <compiler> <args...>' to compile`,
      );
    }
    if (!existsSync(p.join(bin, MANIFEST_NAME)) && !existsSync(p.join(bin, JOURNAL_NAME))) {
      // Most likely the executable was renamed rather than installed as a shim.
      throw new HclError(
        'usage',
        `invoked as '${invocation.name}', and under any name but hip-clang-launcher this executable is a compiler shim, but no shim is installed in ${bin}`,
        `rename it to hip-clang-launcher${host.platform === 'win32' ? '.exe' : ''} to use the launcher and its commands`,
      );
    }
    throw new HclError(
      'not-a-llvm-bin',
      `invoked as ${invocation.name}, but ${p.join(bin, MANIFEST_NAME)} lists no shim of that name, and no link leads from it to one`,
      `run 'hip-clang-launcher install <bin dir>' to install the shim, or 'hip-clang-launcher <compiler> <args...>' to compile`,
    );
  };
  const request = locate();
  phaseEnds('shim');
  // The cache chosen at install applies unless this call's environment picks one.
  const env = cache !== null && !host.env[CACHE_VAR] ? layerEnv(host.env, { [CACHE_VAR]: cache }) : host.env;
  return runLauncher(request, { ...host, env }, () => ({ ...locate(), uncached: true }));
}
