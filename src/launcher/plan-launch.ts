import { HclError } from '../errors.js';
import { pathModuleFor, type Host } from '../host.js';
import { hasPathSeparator, programNameOf } from '../invocation.js';
import { learnCacheFacts, type CacheFacts } from './cache-facts.js';
import { configuredCacheVars, learnCacheConfig } from './cache-config.js';
import { BYPASS_VAR, CACHE_SETTING_VARS, HIP_CLANG_LAUNCHER_VAR, SCCACHE_IGNORE_SERVER_IO_ERROR } from './env-vars.js';
import { chooseCache, type CacheChoice, type CachePurpose } from './find-cache.js';
import { findProgram, isSelf } from './find-program.js';
import { applyRules, type RulesOutcome } from './hip-rules/index.js';
import type { World } from './hip-rules/rule.js';
import { learnHipccLauncherSupport } from './hipcc-launcher-support.js';
import { driverOf, parseCall, type ParsedCall } from './parse-call.js';
import { cacheNameFor } from './cache-name-link.js';
import { assertNotLooping, childEnv, underOuterCache } from './recursion.js';
import { readSettings, type LauncherSettings } from './settings.js';
import { learnClangMajor } from './compiler-facts.js';
import { DEVICE_DEPFILE_SHAPE } from './hip-rules/mishandled-shapes.js';
import { toolchainIdentity } from './toolchain-digest.js';
import { outputKindsOf } from './output-kinds.js';
import { phaseEnds } from './phases.js';
import { learnCuidInput } from './cuid-input.js';

// Builds the forwarded call: which program to run with which argv and
// environment, plus what to run instead if the cache cannot be started.
// The call is parsed once; the HIP rules (hip-rules/) decide over that record.

export type Route = 'cache' | 'split' | 'probe' | 'not-cacheable' | 'no-cache' | 'nested' | 'bypass' | 'direct' | 'hipcc';

export interface ExecStep {
  file: string;
  argv: string[];
}

export interface LaunchPlan {
  route: Route;
  // Why the call goes where it goes, in a line (the log records it).
  reason: string;
  compiler: string;
  call: ParsedCall;
  cache: CacheChoice | undefined;
  // Tried in order: a step that cannot be started hands over to the next.
  steps: ExecStep[];
  env: NodeJS.ProcessEnv;
  rules: RulesOutcome | undefined;
}

export interface LaunchRequest {
  // The compiler as the caller wrote it: it becomes the compiler's argv[0].
  compiler: string;
  args: string[];
  // Shim mode knows the real compiler already: skip the look-up and self check.
  resolvedCompiler?: string;
  // Run the compiler directly whatever the cache setting (a shim reached under an unlisted name).
  uncached?: boolean;
  // argv[0] when the compiler runs directly, if not `compiler`: a shim's invoked name, so
  // clang names itself in its diagnostics as the bare compiler does (the cache gets `compiler`).
  argv0?: string;
  // The path a cache gets for the compiler, when not `compiler`: a shim's link named as invoked
  // (cache-name-link.ts). Asked only where a cache will run the compiler.
  compilerForCache?: () => string | undefined;
  // The real compiler behind one of our installed shims, when the compiler given is one
  // (`hip-clang-launcher <bin>/clang++`). Given by the caller (main.ts): a shim's manifest is
  // the shim's to read, and nothing below the launcher imports from the shim.
  behindShim?: (file: string, host: Host) => string | undefined;
}

// Where the compiler is: a path as given (relative to the working directory),
// or a bare name from PATH. It must not be this executable.
export function resolveCompiler(compiler: string, host: Host, behindShim?: LaunchRequest['behindShim']): string {
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
    const real = hasPathSeparator(compiler, host.platform) ? behindShim?.(file, host) : undefined;
    if (real) return real;
    throw new HclError(
      'recursion',
      `compiler ${compiler} is hip-clang-launcher itself`,
      'give the real compiler (for an installed shim, see `hip-clang-launcher status <bin dir>`)',
    );
  }
  return file;
}

// How a hipcc run by the launcher reaches it again: this executable, or
// under plain Node (the npm package) the script it runs as.
export function selfCommand(host: Host): string {
  const sea = process.getBuiltinModule('node:sea') as { isSea?: () => boolean } | undefined;
  return sea?.isSea?.() ? host.execPath : pathModuleFor(host.platform).resolve(host.cwd, process.argv[1] ?? host.execPath);
}

// The hipcc file when the compiler is a hipcc: by the name it was called by,
// by the file that name resolved to, or (only for a name that is neither
// clang nor hipcc, so clang calls never pay for it) by its real path: a `c++`
// or `hipcc-7` link to hipcc is still hipcc. The real path is what the memo is
// keyed on, so every name of one hipcc shares one probe.
export function hipccFile(compiler: string, compilerFile: string, host: Host): string | undefined {
  const byName = driverOf(compiler);
  const byFile = driverOf(compilerFile);
  if (byName === 'hipcc' || byFile === 'hipcc') return host.realpath(compilerFile) ?? compilerFile;
  if (byName === 'clang' || byFile === 'clang') return undefined;
  const real = host.realpath(compilerFile);
  return real && driverOf(real) === 'hipcc' ? real : undefined;
}

// The compiler's argv with rule additions, placed before a `--` that ends options.
function withArgs(args: readonly string[], added: readonly string[]): string[] {
  if (added.length === 0) return [...args];
  const end = args.indexOf('--');
  return end < 0 ? [...args, ...added] : [...args.slice(0, end), ...added, ...args.slice(end)];
}

const CACHEABLE_MODES: ReadonlySet<string> = new Set(['compile', 'assemble', 'unknown']);

// A link call's settings, for the split; a bad setting leaves it straight to the compiler, as before the split.
function settingsOfLink(host: Host): LauncherSettings | undefined {
  try {
    return readSettings(host);
  } catch {
    return undefined;
  }
}

export function planLaunch(request: LaunchRequest, host: Host, choose: typeof chooseCache = chooseCache): LaunchPlan {
  assertNotLooping(host.env, request.compiler);
  const compilerFile = request.resolvedCompiler ?? resolveCompiler(request.compiler, host, request.behindShim);
  // Resolved through a shim's manifest: the real compiler, by the link named as given where the
  // shim itself would use one (so both routes key alike), else by its own path.
  if (request.resolvedCompiler === undefined && programNameOf(compilerFile, host.platform) !== programNameOf(request.compiler, host.platform)) {
    const p = pathModuleFor(host.platform);
    const name = programNameOf(request.compiler, host.platform);
    const args = request.args;
    // Run directly, argv[0] stays as written, as the shim keeps it.
    request = { ...request, compiler: compilerFile, argv0: request.argv0 ?? request.compiler, compilerForCache: () => cacheNameFor(p.dirname(compilerFile), name, compilerFile, args, host) };
  }
  let call = parseCall(request.compiler, request.args);
  const hipcc = hipccFile(request.compiler, compilerFile, host);
  if (hipcc) call = { ...call, driver: 'hipcc' };
  phaseEnds('parse');

  const direct: ExecStep = { file: compilerFile, argv: [request.argv0 ?? request.compiler, ...request.args] };
  const plain = (route: Route, reason: string, cache?: CacheChoice, rules?: RulesOutcome, env: Record<string, string> = {}): LaunchPlan => ({
    route,
    reason,
    compiler: compilerFile,
    call,
    cache,
    steps: [direct],
    env: childEnv(host.env, env),
    rules,
  });

  if (host.env[BYPASS_VAR] === '1') return plain('bypass', `${BYPASS_VAR}=1`);
  if (request.uncached) return plain('bypass', 'a shim name installed after the shim: its real compiler runs uncached');
  if (underOuterCache(host.env)) return plain('nested', 'a launcher above this one already hands the call to a cache');
  // Read once per call: a link call reads them here to learn whether it may be split.
  let settings: LauncherSettings | undefined;
  if (call.driver !== 'hipcc') {
    if (call.mode === 'probe') return plain('probe', 'a probe: it compiles nothing');
    // A compile-and-link reaches the rules only for the split (hip-rules/split.ts).
    if (!CACHEABLE_MODES.has(call.mode)) {
      settings = call.mode === 'link' ? settingsOfLink(host) : undefined;
      if (!settings?.split) return plain('not-cacheable', `${call.mode === 'none' ? 'no input' : `a ${call.mode} call`}: no object for a cache to keep`);
    }
  }

  settings ??= readSettings(host);
  const purpose: CachePurpose = call.offload ? 'hip' : 'other';
  const cache = call.driver === 'hipcc' ? undefined : choose(host, false, purpose);
  phaseEnds('finding the cache');
  // The version matters to HIP rules only; a C/C++ call skips even the memo read.
  const needsVersion = call.offload;
  const facts: CacheFacts | undefined =
    cache?.file && cache.kind ? (needsVersion ? (cache.facts ?? learnCacheFacts(cache.file, cache.kind, host)) : { kind: cache.kind, version: undefined, cachesHip: undefined }) : undefined;
  // ccache and sccache have a config file and a key the toolchain's digest goes into; another program has neither.
  const knownKind = cache?.file && (cache.kind === 'ccache' || cache.kind === 'sccache') ? cache.kind : undefined;
  const configCacheVars = knownKind ? configuredCacheVars(knownKind, learnCacheConfig(knownKind, host)) : new Map();
  phaseEnds('cache facts');
  const toolchain = knownKind ? toolchainIdentity(call, compilerFile, host) : undefined;
  phaseEnds('toolchain digest');
  const self = hipcc ? selfCommand(host) : '';
  const hipClangLauncherSet = Boolean(host.env[HIP_CLANG_LAUNCHER_VAR]);
  const world: World = {
    platform: host.platform,
    cwd: host.cwd,
    cache: cache?.file && facts ? { file: cache.file, facts, explicit: cache.setting.toLowerCase() !== 'auto' } : undefined,
    settings,
    userCacheVars: new Set(CACHE_SETTING_VARS.filter((name) => host.env[name] !== undefined && host.env[name] !== '')),
    configCacheVars,
    toolchain,
    selfCommand: self,
    hipClangLauncherSet,
    hipccLauncher: hipcc && !hipClangLauncherSet ? learnHipccLauncherSupport(hipcc, self, host) : undefined,
    clangMajor: cache?.file && DEVICE_DEPFILE_SHAPE(call) ? learnClangMajor(compilerFile, host) : undefined,
    outputs: cache?.file ? outputKindsOf(call, host) : undefined,
    cuidInput: cache?.file ? learnCuidInput(call, settings, host) : undefined,
  };
  const rules = applyRules(call, world);
  phaseEnds('rules');
  const ruled = rules.decisions.find((d) => d.route)?.reason;
  if (rules.route === 'hipcc') return plain('hipcc', ruled ?? 'hipcc', cache, rules, rules.env);
  if (rules.route === 'direct') return plain('direct', ruled ?? 'direct', cache, rules, rules.env);
  if (call.mode === 'link' && !rules.split) return plain('not-cacheable', 'a link call: no object for a cache to keep', cache, rules);
  if (!cache?.file) return plain('no-cache', cache?.reason ?? 'no cache', cache, rules);

  const additions: Record<string, string> = { ...rules.env };
  if (cache.kind === 'sccache' && host.env[SCCACHE_IGNORE_SERVER_IO_ERROR] === undefined) {
    additions[SCCACHE_IGNORE_SERVER_IO_ERROR] = '1';
  }
  // The cache gets the compiler as given where it is a path, so its own
  // look-up and its hash see what the build system wrote.
  const compilerForCache = request.compilerForCache?.() ?? (hasPathSeparator(request.compiler, host.platform) ? request.compiler : compilerFile);
  return {
    route: 'cache',
    reason: cache.reason,
    compiler: compilerFile,
    call,
    cache,
    steps: [{ file: cache.file, argv: [cache.file, compilerForCache, ...withArgs(rules.args ?? request.args, rules.addArgs)] }, direct],
    env: childEnv(host.env, additions, true),
    rules,
  };
}
