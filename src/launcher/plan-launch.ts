import { HclError } from '../errors.js';
import { pathModuleFor, type Host } from '../host.js';
import { hasPathSeparator, programNameOf } from '../invocation.js';
import { classifyCall } from './classify-call.js';
import { BYPASS_VAR, SCCACHE_IGNORE_SERVER_IO_ERROR } from './env-vars.js';
import { chooseCache, type CacheChoice } from './find-cache.js';
import { findProgram, isSelf } from './find-program.js';
import { realCompilerBehindShim } from '../shim/real-compiler.js';
import { assertNotLooping, childEnv, currentDepth } from './recursion.js';

// Builds the forwarded call: which program to run with which argv and
// environment, plus what to run instead if the cache cannot be started.

export type Route = 'cache' | 'probe' | 'not-cacheable' | 'no-cache' | 'nested' | 'bypass';

export interface ExecStep {
  file: string;
  argv: string[];
}

export interface LaunchPlan {
  route: Route;
  compiler: string;
  cache: CacheChoice | undefined;
  // Tried in order: a step that cannot be started hands over to the next.
  steps: ExecStep[];
  env: NodeJS.ProcessEnv;
}

export interface LaunchRequest {
  // The compiler as the caller wrote it: it becomes the compiler's argv[0].
  compiler: string;
  args: string[];
  // Shim mode knows the real compiler already: skip the look-up and self check.
  resolvedCompiler?: string;
  // Run the compiler directly whatever the cache setting (a shim reached under an unlisted name).
  uncached?: boolean;
}

// Where the compiler is: a path as given (relative to the working directory),
// or a bare name from PATH. It must not be this executable.
export function resolveCompiler(compiler: string, host: Host): string {
  const p = pathModuleFor(host.platform);
  let file: string | undefined;
  if (hasPathSeparator(compiler, host.platform)) {
    file = p.resolve(host.cwd, compiler);
    if (!host.isExecutableFile(file)) {
      throw new HclError('compiler-not-found', `compiler ${compiler} does not exist or is not executable`, 'pass the full path of clang or clang++');
    }
  } else {
    file = findProgram(compiler, host);
    if (!file) {
      throw new HclError('compiler-not-found', `compiler ${compiler} was not found on PATH`, 'pass the full path of clang or clang++');
    }
  }
  if (isSelf(file, host)) {
    // One of our installed shims stands for the real compiler its manifest names.
    const real = hasPathSeparator(compiler, host.platform) ? realCompilerBehindShim(file, host) : undefined;
    if (real) return real;
    throw new HclError(
      'recursion',
      `compiler ${compiler} is hip-clang-launcher itself`,
      'give the real compiler (for an installed shim, see `hip-clang-launcher status <bin dir>`)',
    );
  }
  return file;
}

export function planLaunch(request: LaunchRequest, host: Host, choose: (host: Host) => CacheChoice = chooseCache): LaunchPlan {
  assertNotLooping(host.env, request.compiler);
  const compilerFile = request.resolvedCompiler ?? resolveCompiler(request.compiler, host);
  // Resolved through a shim's manifest: the real compiler's own path is what clang and the cache must see.
  if (request.resolvedCompiler === undefined && programNameOf(compilerFile, host.platform) !== programNameOf(request.compiler, host.platform)) {
    request = { ...request, compiler: compilerFile };
  }
  const direct: ExecStep = { file: compilerFile, argv: [request.compiler, ...request.args] };
  const plain = (route: Route, cache?: CacheChoice): LaunchPlan => ({
    route,
    compiler: compilerFile,
    cache,
    steps: [direct],
    env: childEnv(host.env, {}),
  });

  if (host.env[BYPASS_VAR] === '1' || request.uncached) return plain('bypass');
  if (currentDepth(host.env) > 0) return plain('nested');
  const kind = classifyCall(request.args);
  if (kind === 'probe') return plain('probe');
  if (kind === 'other') return plain('not-cacheable');

  const cache = choose(host);
  if (!cache.file) return plain('no-cache', cache);

  const additions: Record<string, string> = {};
  if (cache.kind === 'sccache' && host.env[SCCACHE_IGNORE_SERVER_IO_ERROR] === undefined) {
    additions[SCCACHE_IGNORE_SERVER_IO_ERROR] = '1';
  }
  // The cache gets the compiler as given where it is a path, so its own
  // look-up and its hash see what the build system wrote.
  const compilerForCache = hasPathSeparator(request.compiler, host.platform) ? request.compiler : compilerFile;
  return {
    route: 'cache',
    compiler: compilerFile,
    cache,
    steps: [{ file: cache.file, argv: [cache.file, compilerForCache, ...request.args] }, direct],
    env: childEnv(host.env, additions),
  };
}
