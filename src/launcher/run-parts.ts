import type * as ChildProcessModule from 'node:child_process';
import type * as CryptoModule from 'node:crypto';
import type * as OsModule from 'node:os';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { pathModuleFor, type Host } from '../host.js';
import { keyOf, memoiseKey, shortHash } from './memo.js';
import { BUNDLE_SLOT, bundlerTemplate, deviceDepfileBeside, deviceLinkTemplates, isOneStepDeviceJobs, jobShape, linksForCall, parseDriverJobs, planCompileLinkParts, planPerArchParts, relocatableDeviceArgs, type BundlerJob, type DeviceDepfiles, type DeviceLinks, type Part } from './plan-parts.js';
import { CCACHE_DEPEND, CCACHE_DISABLE, CCACHE_NODEPEND, CCACHE_PREFIX, LOG_VAR, OUTER_CACHE_VAR, SPLIT_PREFIX_VAR } from './env-vars.js';
import { learnClangMajor } from './compiler-facts.js';
import { LAST_CLANG_WITH_DEVICE_DEPFILE } from './hip-rules/mishandled-shapes.js';
import { planLaunch, selfCommand, type LaunchPlan, type LaunchRequest } from './plan-launch.js';
import { forwardSignals, interruption, spawnFirstStartable } from './replace-process.js';
import { sinceStartMs } from './phases.js';
import { cuidFor } from './hip-rules/cuid.js';
import { learnCuidInput } from './cuid-input.js';
import { parseCall } from './parse-call.js';
import { readSettings } from './settings.js';
import { childEnv } from './recursion.js';
import { prefixStatsLog, watchCacheCall, watchWholeCall, type CacheResult, type ResultWatch } from './part-result.js';
import { chooseCache, type CacheChoice, type CachePurpose } from './find-cache.js';
import { layerEnv } from './layered-env.js';

// Runs a call the split rule (hip-rules/split.ts) marked as parts. Each
// compile part is an ordinary compiler call planned by planLaunch, so it meets
// the cache and every rule a whole call meets; tool steps come from the
// driver's own job list. Steps:
// 1. the driver's job list for this compiler and call shape (`clang -###`,
//    memoised in the state directory by the compiler's stat and the shape),
//    checked to be the shape whose split gives the one-step bytes;
// 2. a private temporary directory for the parts' files;
// 3. each part in turn, its output captured; a part that fails stops the rest;
// 4. the temporaries removed, whatever happened;
// 5. on success the parts' diagnostics, in order; on failure nothing, and the
//    caller runs the whole call uncached, so the user sees its diagnostics once.

export interface PartRecord {
  name: string;
  // The -cuid a compile part of a compile-and-link was given (its source's own).
  cuid?: string;
  route: string;
  // With a call log: whether the cache hit this part (part-result.ts).
  cacheResult?: CacheResult;
  exitCode: number | null;
  durationMs: number;
}

// `interrupted`: the launcher itself was sent that signal while a part ran (passed on to it).
export type PartsOutcome = { ok: true; parts: PartRecord[] } | { ok: false; reason: string; parts: PartRecord[]; interrupted?: NodeJS.Signals };

// hostCuid (-fgpu-rdc only): whether the driver passes -cuid on to the host
// job of an --offload-host-only compile. clang-15 drops it (clang-21 does
// not), and an RDC host object names its externalized statics after the id
// (`kernel.intern.<hash of the -cuid>`, else of the file's inode): without it
// the host part's names match neither the device parts nor the one-step object.
// links (without -fgpu-rdc): the driver's device link per arch, where the
// driver has -fhip-emit-relocatable and its relocatable device job is the
// one-step compile's (plan-parts.ts planPerArchParts).
type Learned = { bundler: BundlerJob; hostCuid?: boolean; links?: DeviceLinks } | { why: string };

// A memo someone else could have written: only the shape a learned job list has counts.
function isLearned(value: unknown): value is Learned {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { why?: unknown; hostCuid?: unknown; bundler?: { file?: unknown; args?: unknown } };
  if (typeof v.why === 'string') return true;
  if (v.hostCuid !== undefined && typeof v.hostCuid !== 'boolean') return false;
  const isJob = (b: unknown): boolean => {
    const job = b as { file?: unknown; args?: unknown } | null;
    return typeof job === 'object' && job !== null && typeof job.file === 'string' && Array.isArray(job.args) && job.args.every((a) => typeof a === 'string');
  };
  const links = (value as { links?: unknown }).links;
  if (links !== undefined && (typeof links !== 'object' || links === null || !Object.values(links).every(isJob))) return false;
  return isJob(v.bundler);
}

// The driver's bundling step for this compiler and call shape, or why the job list does not qualify.
function learnBundler(plan: LaunchPlan, request: LaunchRequest, args: string[], host: Host, tempDir: string): { bundler: BundlerJob; hostCuid: boolean; links?: DeviceLinks } | string {
  const key = keyOf(plan.compiler);
  if (!key) return `cannot stat the compiler ${plan.compiler}`;
  const shape = `${plan.call.rdc}\u0001${jobShape(plan.call)}`;
  // v3: the memo holds the device links too (a v2 entry, without them, is not read).
  const learned = memoiseKey<Learned>(host, `driver-jobs-v3-${shortHash(shape)}`, key, () => {
    const { spawnSync } = process.getBuiltinModule('node:child_process') as typeof ChildProcessModule;
    // clang makes its temporary directories even for -###: in ours, which is removed.
    const env = { ...host.env, TMPDIR: tempDir, TMP: tempDir, TEMP: tempDir };
    // The driver's job list for these arguments.
    const jobs = (argv: string[]) => {
      const r = spawnSync(plan.compiler, [...argv, '-###'], { argv0: request.compiler, cwd: host.cwd, env, encoding: 'utf8', timeout: 30_000, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'] });
      return r.status === 0 && typeof r.stderr === 'string' ? parseDriverJobs(r.stderr) : undefined;
    };
    const whole = jobs(args);
    if (!whole) return undefined;
    const template = bundlerTemplate(whole, plan.call);
    if (typeof template === 'string') return { why: template };
    if (!plan.call.rdc) {
      // A driver without -fhip-emit-relocatable (clang-15) fails the probe: its parts link in the part.
      // Every arch's relocatable job must be the one-step compile's device job for it.
      const links = deviceLinkTemplates(whole, plan.call);
      const probe = links ? jobs(relocatableDeviceArgs(args)) : undefined;
      return probe && isOneStepDeviceJobs(probe, whole) ? { bundler: template, links } : { bundler: template };
    }
    const hostOnly = jobs([...args, '--offload-host-only', '-cuid=hcl-probe']);
    if (!hostOnly) return undefined;
    return { bundler: template, hostCuid: hostOnly.some((job) => job[1] === '-cc1' && job.includes('-cuid=hcl-probe')) };
  }, isLearned);
  if (!learned) return 'the driver\'s job list (-###) could not be read';
  if ('why' in learned) return learned.why;
  const links = linksForCall(learned.links, plan.call);
  return { bundler: learned.bundler, hostCuid: learned.hostCuid !== false, ...(links ? { links } : {}) };
}

// The RDC host part of a driver that drops its -cuid (clang-15) gets the id
// straight to its compile job, as the one-step compile's host job has it
// (then byte for byte the one-step object, checked with clang-15). sccache
// passes such a -Xclang argument through uncached (0.10 and 0.17), so there
// the call stays whole: a host part compiled at every build costs more than
// it saves.
function giveHostPartItsCuid(parts: Part[], args: readonly string[], plan: LaunchPlan): string | undefined {
  const cuid = [...args].reverse().find((a) => a.startsWith('-cuid='));
  if (!cuid) return undefined;
  if (plan.cache?.kind === 'sccache') return 'this clang drops -cuid from a host-only compile, and sccache does not cache the -Xclang that gives it back';
  for (const part of parts) {
    const at = part.kind === 'compile' && part.name === 'host' ? part.args.indexOf('--offload-host-only') : -1;
    if (at >= 0) part.args.splice(at + 1, 0, '-Xclang', cuid);
  }
  return undefined;
}

// Moves the fat binary to a name made of its hash beside the call's output:
// the host part's argument then changes with its bytes, so the cache can never
// answer a new fat binary with an old host object, and two builds of the same
// device code name it alike (a temporary directory's random name would not).
function nameByBytes(file: string, output: string, host: Host): string {
  const { createHash } = process.getBuiltinModule('node:crypto') as typeof CryptoModule;
  const bytes = readFileSync(file);
  const named = `${output}.${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.hipfb`;
  const p = pathModuleFor(host.platform);
  const temp = `${p.resolve(host.cwd, named)}.${process.pid}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
  try {
    writeSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
  // A rename replaces whatever had the name (a leftover, a planted link).
  renameSync(temp, p.resolve(host.cwd, named));
  return named;
}

// Device parts get depfiles where the whole call is in ccache's depend mode
// (plan-parts.ts, DeviceDepfiles): then no part runs the preprocessor.
function deviceDepfilesFor(plan: LaunchPlan, host: Host): DeviceDepfiles | undefined {
  if (plan.cache?.kind !== 'ccache' || !plan.call.depfile || !plan.env[CCACHE_DEPEND] || plan.env[CCACHE_NODEPEND]) return undefined;
  const major = learnClangMajor(plan.compiler, host);
  return major !== undefined && major <= LAST_CLANG_WITH_DEVICE_DEPFILE ? 'driver' : 'cc1';
}

// A signal at any moment of the split, not only while a part runs, is the
// parts' to get: none starts after it, the temporaries go, and the caller
// leaves by it (run-launcher.ts). Without this, one sent between parts (or
// while they are planned) killed the launcher there, leaving the temporaries.
export async function runParts(plan: LaunchPlan, request: LaunchRequest, host: Host): Promise<PartsOutcome> {
  const release = forwardSignals();
  try {
    const outcome = await runPartsForwarding(plan, request, host);
    // One sent while the launcher did not wait (the driver's job list, the
    // clean-up) reaches its listener at the loop's next poll: before the release.
    await new Promise((resolve) => setImmediate(resolve));
    const interrupted = interruption();
    return interrupted && (outcome.ok || !outcome.interrupted) ? { ok: false, reason: `interrupted by ${interrupted}`, parts: outcome.parts, interrupted } : outcome;
  } finally {
    release();
  }
}

async function runPartsForwarding(plan: LaunchPlan, request: LaunchRequest, host: Host): Promise<PartsOutcome> {
  const records: PartRecord[] = [];
  const args = [...request.args, ...(plan.rules?.addArgs ?? [])];
  const p = pathModuleFor(host.platform);
  const os = process.getBuiltinModule('node:os') as typeof OsModule;
  let tempDir: string;
  try {
    tempDir = mkdtempSync(p.join(os.tmpdir(), 'hcl-split-'));
  } catch (error) {
    return { ok: false, reason: `no temporary directory: ${(error as Error).message}`, parts: records };
  }
  const made: string[] = [];
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  try {
    let parts: Part[];
    if (plan.rules?.split === 'compile-link') {
      const world = { platform: host.platform, cwd: host.cwd, settings: readSettings(host) };
      // Each source's id counts its real path too (cuid.ts), as a compile of it alone would.
      const cuidOf = (compileArgs: string[]) => cuidFor(compileArgs, world, learnCuidInput(parseCall(plan.compiler, compileArgs), world.settings, host));
      parts = planCompileLinkParts(plan.call, tempDir, cuidOf, p.sep, plan.cache?.kind === 'ccache');
    } else {
      const learned = learnBundler(plan, request, args, host, tempDir);
      if (typeof learned === 'string') return { ok: false, reason: learned, parts: records };
      const depfiles = deviceDepfilesFor(plan, host);
      parts = planPerArchParts(plan.call, args, learned.bundler, tempDir, p.sep, depfiles, learned.links);
      const whyWhole = learned.hostCuid ? undefined : giveHostPartItsCuid(parts, args, plan);
      if (whyWhole) return { ok: false, reason: whyWhole, parts: records };
      if (depfiles === 'cc1') {
        // clang writes these itself, following a link: whatever has the name goes first.
        for (const arch of plan.call.offloadArchs) {
          const file = p.resolve(host.cwd, deviceDepfileBeside(plan.call.output!, arch));
          rmSync(file, { force: true });
          made.push(file);
        }
      }
    }
    // clang leaves empty directories in TMPDIR (a one-step multi-arch compile
    // too): under ccache the parts' clang makes them in ours, which goes. Not
    // under sccache: its server, which the first part may start, would keep
    // a TMPDIR that is then removed.
    const partHost = plan.cache?.kind === 'ccache' ? { ...host, env: { ...host.env, TMPDIR: tempDir, TMP: tempDir, TEMP: tempDir } } : host;
    // The parts share one environment (but TMPDIR), so one cache choice per purpose (HIP, or the
    // C/C++ sources of a compile-and-link), the whole call's for its own: the PATH walked once.
    const chosen = new Map<CachePurpose, CacheChoice>(plan.cache && plan.call.offload ? [['hip', plan.cache]] : []);
    const choose = (h: Host, explain = false, purpose: CachePurpose = 'other'): CacheChoice => {
      let choice = chosen.get(purpose);
      if (!choice) chosen.set(purpose, (choice = chooseCache(h, explain, purpose)));
      return choice;
    };
    let bundle: string | undefined;
    for (const part of parts) {
      const before = interruption();
      if (before) return { ok: false, reason: `interrupted by ${before}`, parts: records, interrupted: before };
      const started = sinceStartMs();
      const partArgs = part.args.map((a) => (a === BUNDLE_SLOT ? bundle ?? a : a));
      let route = 'tool';
      let outcome;
      let cacheResult: CacheResult | undefined;
      try {
        if (part.kind === 'compile') {
          const partPlan = planLaunch({ compiler: request.compiler, args: partArgs, resolvedCompiler: plan.compiler, compilerForCache: request.compilerForCache }, partHost, choose);
          route = partPlan.route;
          // Only for the log: a build without one pays nothing for it.
          const watch = host.env[LOG_VAR] && route === 'cache' && partPlan.cache?.file ? watchCacheCall(partPlan.cache.kind, partPlan.cache.file, partPlan.env, p.join(tempDir, `part-${records.length}.stats`)) : undefined;
          outcome = await spawnFirstStartable(partPlan.steps, watch ? { ...partPlan.env, ...watch.env } : partPlan.env, true);
          if (outcome.step !== partPlan.steps[0]) route = outcome.cacheFailed ? 'cache-failed' : 'cache-unavailable';
          else cacheResult = watch?.finish();
        } else {
          outcome = await spawnFirstStartable([{ file: part.file, argv: [part.file, ...partArgs] }], partHost.env, true);
        }
      } catch (error) {
        return { ok: false, reason: `part ${part.name} could not be started: ${(error as Error).message}`, parts: records };
      }
      const cuid = part.kind === 'compile' && plan.rules?.split === 'compile-link' ? partArgs.find((a) => a.startsWith('-cuid='))?.slice('-cuid='.length) : undefined;
      records.push({ name: part.name, ...(cuid ? { cuid } : {}), route, ...(cacheResult ? { cacheResult } : {}), exitCode: outcome.exitCode, durationMs: Math.round((sinceStartMs() - started) * 1000) / 1000 });
      if (outcome.stdout) out.push(outcome.stdout);
      if (outcome.stderr) err.push(outcome.stderr);
      const interrupted = interruption();
      if (interrupted) return { ok: false, reason: `interrupted by ${interrupted}`, parts: records, interrupted };
      if (outcome.exitCode !== 0 || outcome.signal) {
        const status = outcome.signal ? `was killed by ${outcome.signal}` : `exited ${outcome.exitCode}`;
        return { ok: false, reason: `part ${part.name} ${status}`, parts: records };
      }
      if (part.kind === 'tool' && part.keyByBytes) {
        bundle = nameByBytes(part.keyByBytes, plan.call.output!, host);
        made.push(p.resolve(host.cwd, bundle));
      }
    }
  } catch (error) {
    return { ok: false, reason: `the split failed: ${(error as Error).message}`, parts: records };
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
    for (const file of made) rmSync(file, { force: true });
  }
  if (out.length) process.stdout.write(Buffer.concat(out));
  if (err.length) process.stderr.write(Buffer.concat(err));
  return { ok: true, parts: records };
}

// The plan once the parts have run: the split call itself when they all
// succeeded; else the whole call, cached as planned when no part ran (the
// job list did not qualify), uncached when one did and failed (a failure the
// whole call may not share must not be stored, and a compile that builds
// uncached must never fail here).
// Under ccache's prefix_command (below) the whole call is the compiler
// ccache runs: it never goes to the cache again, whatever happened.
export function planAfterSplit(plan: LaunchPlan, outcome: PartsOutcome, host: Host, underPrefix: boolean): LaunchPlan {
  if (outcome.ok) return { ...plan, route: 'split', reason: `${plan.reason}; split into ${outcome.parts.length} parts${underPrefix ? ' (ccache\'s whole-call entry missed)' : ''}` };
  // A link is never the cache's to run: it goes direct whatever happened.
  if (outcome.parts.length === 0 && !underPrefix && plan.rules?.split !== 'compile-link') return { ...plan, reason: `${plan.reason}; not split: ${outcome.reason}` };
  const why = outcome.parts.length === 0 ? `not split (${outcome.reason})` : `split failed (${outcome.reason})`;
  return directPlan(plan, `${why}: the whole call ran uncached${underPrefix ? ' for ccache, which stores it' : ''}`, host);
}

function directPlan(plan: LaunchPlan, reason: string, host: Host): LaunchPlan {
  return { ...plan, route: 'direct', reason, steps: plan.steps.slice(-1), env: childEnv(host.env, {}) };
}

// Warm rebuilds stay one lookup with ccache: the whole call goes to ccache as
// today, with this launcher as its prefix_command. ccache runs the prefix only
// on a miss (checked with ccache 4.7 and 4.14: a hit never runs it), giving
// it the compiler's command line with the real output; the launcher then
// runs the parts (each its own ccache entry) and ccache stores their object
// as the whole call's entry. A prefix the user set is theirs: the split then
// runs at once, without the whole-call entry.
// With ccache disabled (CCACHE_DISABLE, as a build's uncached reference sets
// it) nothing is kept, so the call is not split either: it runs whole, as
// clang's one step.
// With a call log, `whole` watches whether ccache's whole-call entry hit
// (part-result.ts). The environment stays a layer over this process's
// (layered-env.ts): spreading it copied every variable on every warm hit and
// lost the exec's one pass over the kernel's list.
export function planSplitOnMiss(plan: LaunchPlan, host: Host, logged: boolean): { plan: LaunchPlan; whole?: ResultWatch } | undefined {
  const onMiss = wholeCallFirst(plan, host);
  if (!onMiss) return undefined;
  const whole = logged ? watchWholeCall(plan.cache?.kind, plan.cache?.file, onMiss.env) : undefined;
  return { plan: whole ? { ...onMiss, env: layerEnv(onMiss.env, whole.env) } : onMiss, whole };
}

function wholeCallFirst(plan: LaunchPlan, host: Host): LaunchPlan | undefined {
  if (plan.rules?.split && plan.cache?.kind === 'ccache' && host.env[CCACHE_DISABLE]) {
    return { ...plan, rules: { ...plan.rules, split: undefined }, reason: `${plan.reason}; not split: ${CCACHE_DISABLE} is set (ccache keeps nothing)` };
  }
  if (plan.rules?.split !== 'per-arch' || plan.cache?.kind !== 'ccache' || host.env[CCACHE_PREFIX]) return undefined;
  const env = layerEnv(plan.env, { [CCACHE_PREFIX]: selfCommand(host), [SPLIT_PREFIX_VAR]: '1' });
  return { ...plan, env, reason: `${plan.reason}; split per arch only if the whole call misses (ccache prefix_command)` };
}

// Run as ccache's prefix_command: the host without the markers that brought
// the call here (so the parts reach the cache as ordinary calls), or undefined
// for an ordinary call. ccache sets CCACHE_DISABLE for the compiler it runs
// (its guard against running itself); the user's own never gets here, as the
// prefix is not set when it is.
export function hostUnderPrefix(host: Host): Host | undefined {
  if (host.env[SPLIT_PREFIX_VAR] !== '1') return undefined;
  const env = { ...host.env };
  for (const name of [SPLIT_PREFIX_VAR, CCACHE_PREFIX, CCACHE_DISABLE, OUTER_CACHE_VAR]) delete env[name];
  prefixStatsLog(env);
  return { ...host, env };
}

// Under the prefix, a call the rules did not split is compiled directly (ccache is already above it).
export function planUnderPrefix(plan: LaunchPlan, host: Host): LaunchPlan {
  return plan.route === 'cache' && plan.rules?.split ? plan : directPlan(plan, `ccache's prefix_command: ${plan.route === 'cache' ? 'not split' : plan.reason}; compiled directly for ccache`, host);
}
