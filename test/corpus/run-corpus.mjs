// Runs the HIP cache-correctness corpus (cases.mjs) on one toolchain, through
// every route, and prints one JSON result on stdout. Node built-ins only: it
// runs on the Debian 12 host and, with the host's Node bound in, inside the sid
// lab alike. Usage: node run-corpus.mjs <config.json>, where the config names
//   toolchain   a label ("lab", "host")
//   work        an empty directory to build in
//   cxx         the clang++ to compile with; hipFlags: flags every HIP compile and link needs there
//   ccache, sccache, launcher   the programs; launcherCaches: {ccache, sccache}, the
//               HIP_CLANG_LAUNCHER_CACHE value that makes the launcher use each
//   basePort    first of the private sccache server ports (it uses up to 600)
//   concurrency how many routes build at once; cases: optional list of case ids
//
// Routes: uncached; bare ccache and sccache (`<cache> <cxx> ...`); the
// launcher with each (`<launcher> <cxx> ...`). Each route and case has its
// own fresh cache (and sccache server on the route's own port, stopped after). Every call is read back through
// the cache's own statistics before and after, so each compile is known as a
// hit, a miss, or passed through uncached (and why).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CASES } from './cases.mjs';
import { firstError, judgeCase, splitHandling, summarizeRoute } from './evaluate.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const sources = join(here, 'sources');
const HIP_BASE = ['-x', 'hip', '--offload-arch=gfx90a', '-O2', '-nogpuinc'];

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const started = Date.now();
const cases = CASES.filter((c) => !config.cases || config.cases.includes(c.id));
const baseEnv = {};
for (const [k, v] of Object.entries(process.env)) {
  if (!/^(CCACHE_|SCCACHE_|HIP_CLANG_LAUNCHER)/.test(k)) baseEnv[k] = v;
}

// What the corpus ran, per purpose: processes and their milliseconds (the
// result's `work`), so a change to the harness shows what it saved in a
// count that does not depend on the machine's load.
const work = {};
function tally(what, ms) {
  const w = (work[what] ??= { processes: 0, ms: 0 });
  w.processes += 1;
  w.ms += ms;
}

function run(argv, { cwd, env, what }) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const done = (r) => {
      tally(what, r.ms);
      resolve(r);
    };
    const child = spawn(argv[0], argv.slice(1), { cwd, env: { ...baseEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    child.on('error', (e) => done({ exitCode: 127, signal: null, stdout: '', stderr: String(e), ms: Date.now() - t0 }));
    child.on('close', (exitCode, signal) =>
      done({ exitCode, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: Date.now() - t0 }),
    );
  });
}

const sha = (file) => (existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16) : null);

// --- caches: statistics read per call ---------------------------------------

function flatten(obj, prefix = '', out = {}) {
  for (const [k, v] of Object.entries(obj ?? {})) {
    if (typeof v === 'number') out[prefix + k] = v;
    else if (v && typeof v === 'object') flatten(v, `${prefix}${k}.`, out);
  }
  return out;
}

const statsReaders = {
  async ccache(route) {
    const r = await run([config.ccache, '--print-stats'], { cwd: route.dir, env: route.env, what: `${route.cache} stats read` });
    const out = {};
    for (const line of r.stdout.split('\n')) {
      const [k, v] = line.split('\t');
      if (k && v !== undefined && !k.includes('timestamp')) out[k] = Number(v);
    }
    return out;
  },
  async sccache(route) {
    const r = await run([config.sccache, '--show-stats', '--stats-format', 'json'], { cwd: route.dir, env: route.env, what: `${route.cache} stats read` });
    try {
      const stats = JSON.parse(r.stdout).stats;
      const flat = flatten(stats);
      for (const k of Object.keys(flat)) if (/time|duration|size|_s$/i.test(k)) delete flat[k];
      return flat;
    } catch {
      return { 'stats-unreadable': 1 };
    }
  },
};

// hit, miss, or what else moved (ccache's `unsupported_compiler_option`, sccache's `not_cached.-x`...).
// A counter that shrank means the cache's server restarted between the two
// reads (sccache's does, under load, when a client finds it unresponsive): its
// counters then start from 0, so the call's own growth is `after` itself.
function outcomeOf(kind, before, after) {
  const restarted = Object.keys(before).some((k) => (after[k] ?? 0) < before[k]);
  const grew = Object.keys(after).filter((k) => (after[k] ?? 0) > (restarted ? 0 : (before[k] ?? 0)));
  const isHit = kind === 'ccache' ? (k) => k === 'direct_cache_hit' || k === 'preprocessed_cache_hit' : (k) => k.startsWith('cache_hits.');
  const isMiss = kind === 'ccache' ? (k) => k === 'cache_miss' : (k) => k.startsWith('cache_misses.');
  if (grew.some(isHit)) return 'hit';
  if (grew.some(isMiss)) return 'miss';
  const other = grew.filter((k) => !/^(compile_requests|requests_executed|local_storage|cache_size|files_in_cache)/.test(k));
  return other.length ? `not cached: ${other.join(', ')}` : 'not cached';
}

// --- routes -------------------------------------------------------------------

function makeRoutes(root) {
  // The split set either way on every launcher route, whatever the launcher's default.
  const launcherEnv = (cache, split) => ({ HIP_CLANG_LAUNCHER_CACHE: cache, HIP_CLANG_LAUNCHER_SPLIT: split ? 'on' : 'off' });
  const launcherRoute = (cache, split) => ({ id: `launcher+${cache}${split ? '+split' : ''}`, cache, wrap: [config.launcher], env: launcherEnv(config.launcherCaches[cache], split), launcher: true, split });
  const defs = [
    { id: 'uncached', cache: null, wrap: [] },
    { id: 'ccache', cache: 'ccache', wrap: [config.ccache] },
    { id: 'sccache', cache: 'sccache', wrap: [config.sccache] },
    launcherRoute('ccache', false),
    launcherRoute('sccache', false),
    // The per-arch split (HIP_CLANG_LAUNCHER_SPLIT=on): every case again, each object checked against clang's one-step compile.
    launcherRoute('ccache', true),
    launcherRoute('sccache', true),
  ];
  return defs.map((d, i) => {
    const dir = join(root, d.id.replaceAll('+', '-'));
    // The launcher's own log says which route each call took and why (with a log it waits for the compiler instead of execve: the same decisions).
    const log = d.launcher ? join(dir, 'launcher.jsonl') : undefined;
    // The launcher routes build each case at one path, one route at a time
    // (caseTurn): the -cuid the launcher adds hashes the input's real path, so
    // there every launcher route gets the same id for a call, and the uncached
    // compile given that id (uncachedWithCuid) is made once, not once per route.
    const cases = d.launcher ? join(root, 'launcher-cases') : dir;
    return { ...d, dir, cases, port: config.basePort + i, env: { ...d.env, ...(log ? { HIP_CLANG_LAUNCHER_LOG: log } : {}) }, log };
  });
}

function cacheEnv(cache, dir, port) {
  // A hard link made to one of the toolchain's headers while the corpus runs moves its ctime:
  // ccache then stores nothing for a compile running meanwhile ("include file ctime too new"),
  // and the rebuild misses (seen once in the lab's plain C++ case in a whole suite run beside
  // two busy loops, when other test files hard-linked all of llvm-21; they now link only bin/:
  // test/shim/trees.ts). No case changes a header during a compile, so every ccache route,
  // bare and launcher alike, is told not to check that.
  if (cache === 'ccache') return { CCACHE_DIR: dir, CCACHE_SLOPPINESS: 'include_file_ctime' };
  if (cache === 'sccache') return { SCCACHE_DIR: dir, SCCACHE_SERVER_PORT: String(port), SCCACHE_IDLE_TIMEOUT: '600' };
  return {};
}

async function startCache(route) {
  mkdirSync(route.dir, { recursive: true });
  if (route.cache === 'sccache') await run([config.sccache, '--start-server'], { cwd: route.dir, env: route.env, what: 'sccache server start' });
}

async function stopCache(route) {
  if (route.cache === 'sccache') await run([config.sccache, '--stop-server'], { cwd: route.dir, env: route.env, what: 'sccache server stop' });
}

// --- builds -------------------------------------------------------------------

function argsFor(c, step, state) {
  let args = step.lang === 'hip' ? [...HIP_BASE, ...config.hipFlags, ...step.args] : [...step.args];
  // A replacement may be several arguments (an arch added beside one).
  if (state === 1 && c.change?.replaceArg) args = args.flatMap((a) => (a === c.change.replaceArg[0] ? c.change.replaceArg[1] : [a]));
  return args;
}

function prepare(dir, c, state) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of c.files) copyFileSync(join(sources, f), join(dir, f));
  if (state === 1) for (const [f, text] of Object.entries(c.change?.edit ?? {})) writeFileSync(join(dir, f), text);
}

// Removes everything a build wrote, keeping the sources.
function clean(dir, c) {
  for (const entry of readdirSync(dir)) if (!c.files.includes(entry)) rmSync(join(dir, entry), { recursive: true, force: true });
}

const logSize = (file) => (file && existsSync(file) ? statSync(file).size : 0);

// The records one call wrote (from `from` bytes on): under ccache a split call
// writes two, the launcher run as ccache's prefix first, the call's own last.
function logRecordsFrom(file, from) {
  if (!file || !existsSync(file)) return [];
  const records = [];
  for (const line of readFileSync(file).subarray(from).toString('utf8').split('\n')) {
    try {
      if (line.trim()) records.push(JSON.parse(line));
    } catch {
      // Not a record: nothing is assumed from it.
    }
  }
  return records;
}

// route.counters.last: the statistics read after the case's last call. Its
// calls run one after another on a cache of their own, so that read is the
// next call's `before`, and each call costs one read, not two.
async function runCall(route, dir, argv, kind) {
  const before = route.cache ? (route.counters.last ?? (await statsReaders[route.cache](route))) : undefined;
  const logFrom = logSize(route.log);
  const r = await run([...route.wrap, ...argv], { cwd: dir, env: route.env, what: `${route.id} ${kind}` });
  const after = route.cache ? await statsReaders[route.cache](route) : undefined;
  if (route.cache) route.counters.last = after;
  const call = { kind, exitCode: r.exitCode, signal: r.signal, ms: r.ms, stderr: r.exitCode === 0 ? '' : r.stderr.slice(0, 4000) };
  call.outcome = route.cache ? outcomeOf(route.cache, before, after) : 'uncached';
  if (route.log) {
    const records = logRecordsFrom(route.log, logFrom);
    const rec = records[records.length - 1];
    // `cuid` and `reason` are what the launcher's HIP rules log; absent, nothing is assumed.
    const cuid = records.map((x) => x.cuid).find((x) => typeof x === 'string' && x !== '') ?? null;
    if (rec) call.launcher = { route: rec.route, cache: rec.cache ?? null, reason: rec.reason ?? null, cuid };
    if (rec && route.split) call.split = splitHandling(records);
  }
  return call;
}

// One route at a time in a case directory that routes share (makeRoutes).
const turns = new Map();
async function caseTurn(dir, fn) {
  const before = turns.get(dir) ?? Promise.resolve();
  let done;
  const mine = new Promise((r) => (done = r));
  turns.set(dir, before.then(() => mine));
  await before;
  try {
    return await fn();
  } finally {
    done();
  }
}

function runCaseOnRoute(route, c, skip) {
  const dir = join(route.cases, c.id);
  return caseTurn(dir, () => buildCase(route, c, skip, dir));
}

async function buildCase(route, c, skip, dir) {
  const calls = [];
  // Uncached compiles are deterministic: the uncached route's cold build stands for its warm one too.
  const builds = [['cold', 0], ...(route.cache ? [['warm', 0]] : []), ...(c.change ? [['changed', 1]] : [])];
  prepare(dir, c, 0);
  for (const [build, state] of builds) {
    if (state === 1) prepare(dir, c, 1);
    else clean(dir, c);
    let compiled = true;
    for (const step of c.compiles) {
      const args = argsFor(c, step, state);
      if (skip) {
        calls.push({ build, state, step: step.out, kind: 'compile', skipped: true });
        continue;
      }
      const call = await runCall(route, dir, [config.cxx, ...args], 'compile');
      const depfile = args.includes('-MF') ? args[args.indexOf('-MF') + 1] : null;
      call.outputs = { primary: sha(join(dir, step.out)), depfile: depfile ? sha(join(dir, depfile)) : null };
      compiled &&= call.exitCode === 0;
      calls.push({ build, state, step: step.out, args, ...call });
    }
    if (c.link) {
      if (skip || !compiled) {
        calls.push({ build, state, step: c.link.out, kind: 'link', skipped: true });
      } else {
        const call = await runCall(route, dir, [config.cxx, '--offload-arch=gfx90a', ...config.hipFlags, ...c.link.args], 'link');
        calls.push({ build, state, step: c.link.out, ...call });
      }
    }
  }
  return calls;
}

// The route's own real compile of one (state, output), in an empty cache of its own.
async function freshCompile(route, c, state, step, n) {
  const ref = { ...route, dir: join(route.dir, '.refs', `${c.id}-${state}-${n}`) };
  ref.env = { ...route.env, ...cacheEnv(route.cache, join(ref.dir, '.cache'), config.basePort + 400 + n) };
  if (ref.log) ref.log = join(ref.dir, 'launcher.jsonl');
  await startCache(ref);
  try {
    const dir = join(ref.dir, 'build');
    prepare(dir, c, state);
    const args = argsFor(c, step, state);
    await run([...ref.wrap, config.cxx, ...args], { cwd: dir, env: ref.env, what: `${route.id} fresh reference` });
    const depfile = args.includes('-MF') ? args[args.indexOf('-MF') + 1] : null;
    return { primary: sha(join(dir, step.out)), depfile: depfile ? sha(join(dir, depfile)) : null };
  } finally {
    await stopCache(ref);
  }
}

let refCounter = 0;

// An uncached compile given the -cuid the launcher added: the same bytes for
// every route that logged that id for that source state and output (the
// launcher routes build at one path, so each adds the same one), so compiled once.
const cuidCompiles = new Map();
function uncachedWithCuid(route, c, state, step, cuid) {
  const key = `${c.id}\0${state}\0${step.out}\0${cuid}`;
  if (!cuidCompiles.has(key)) {
    cuidCompiles.set(
      key,
      (async () => {
        const dir = join(route.dir, '.refs', `${c.id}-cuid-${refCounter++}`);
        prepare(dir, c, state);
        const args = argsFor(c, step, state);
        await run([config.cxx, ...args, `-cuid=${cuid}`], { cwd: dir, env: {}, what: 'one-step reference (-cuid)' });
        const depfile = args.includes('-MF') ? args[args.indexOf('-MF') + 1] : null;
        return { primary: sha(join(dir, step.out)), depfile: depfile ? sha(join(dir, depfile)) : null };
      })(),
    );
  }
  return cuidCompiles.get(key);
}
async function referencesFor(route, c, calls) {
  const refs = {};
  const cuidRefs = {};
  for (const call of calls) {
    if (call.kind !== 'compile' || call.skipped || call.exitCode !== 0) continue;
    const k = `${call.state}\0${call.step}`;
    if (call.outcome !== 'hit' && !refs[k]) refs[k] = call.outputs;
  }
  // On a split route every call with a logged -cuid, hit or not, is held to
  // the one-step compile given that id (below): no fresh compile needed.
  const oneStepChecked = (call) => route.split && call.launcher?.cuid;
  // A hit with no miss of its own inputs to compare with: what the route
  // compiles from them in an empty cache. Where the launcher logged the -cuid
  // it added, that is clang's one-step compile given the id (every launcher
  // miss is held to exactly that, below), compiled once for all the launcher
  // routes, not once more per route through its own cache; a stale hit is
  // still a stale hit against it. (The fresh compile elsewhere would need the
  // id anyway: it counts the input's real path.)
  for (const call of calls) {
    const k = `${call.state}\0${call.step}`;
    if (call.kind !== 'compile' || call.outcome !== 'hit' || refs[k] || oneStepChecked(call)) continue;
    const step = c.compiles.find((s) => s.out === call.step);
    const cuid = route.launcher ? call.launcher?.cuid : undefined;
    refs[k] = cuid ? await uncachedWithCuid(route, c, call.state, step, cuid) : await freshCompile(route, c, call.state, step, refCounter++);
  }
  // Where the launcher logged the -cuid it added: an uncached compile given that -cuid must match.
  for (const call of calls) {
    const cuid = call.launcher?.cuid;
    if (call.kind !== 'compile' || !cuid || (call.outcome === 'hit' && !oneStepChecked(call)) || call.exitCode !== 0) continue;
    const step = c.compiles.find((s) => s.out === call.step);
    cuidRefs[`${call.build}\0${call.step}`] = await uncachedWithCuid(route, c, call.state, step, cuid);
  }
  return { refs, cuidRefs };
}

// Each case gets an empty cache of its own, so a cell of the matrix is that
// shape alone: no hit carried over from another case's identical compile.
// skip(c): whether the case is left out (not compilable here); built(c, calls): told as each case is built.
async function runRoute(route, { skip = async () => false, built = () => {} } = {}) {
  const perCase = {};
  for (const [k, c] of cases.entries()) {
    const port = route.port + k * 8;
    const caseRoute = { ...route, env: { ...route.env, ...cacheEnv(route.cache, join(route.dir, '.caches', c.id), port) }, counters: {} };
    const skipped = await skip(c);
    // A case left out runs nothing: no cache to start (nor an sccache server to stop).
    if (!skipped) await startCache(caseRoute);
    try {
      perCase[c.id] = await runCaseOnRoute(caseRoute, c, skipped);
    } finally {
      if (!skipped) await stopCache(caseRoute);
    }
    built(c, perCase[c.id]);
    // Progress, a line per case: the whole corpus takes minutes, and its caller would be silent.
    process.stderr.write(`corpus: ${config.toolchain} ${route.id}: ${c.id} built (${k + 1}/${cases.length})\n`);
  }
  // The references (fresh and one-step compiles) take minutes too: a line at least every 30 s.
  const refsByCase = {};
  let said = Date.now();
  for (const [k, c] of cases.entries()) {
    refsByCase[c.id] = await referencesFor(route, c, perCase[c.id]);
    if (Date.now() - said < 30_000 && k + 1 < cases.length) continue;
    process.stderr.write(`corpus: ${config.toolchain} ${route.id}: references compiled for ${k + 1}/${cases.length} cases\n`);
    said = Date.now();
  }
  return { perCase, refsByCase };
}

async function pool(items, n, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    }),
  );
  return results;
}

// A toolchain whose programs do not run here measures nothing: stop, rather than report empty rows.
async function versionOf(argv) {
  const r = await run(argv, { cwd: config.work, env: {}, what: 'version' });
  if (r.exitCode !== 0) {
    process.stderr.write(`corpus: error: ${argv.join(' ')} does not run in the ${config.toolchain} toolchain (exit ${r.exitCode}: ${r.stderr.trim().split('\n')[0]}); run \`npm run provision\`\n`);
    process.exit(2);
  }
  return (r.stdout || r.stderr).split('\n')[0].trim();
}

// --- main ---------------------------------------------------------------------

const versions = {
  clang: await versionOf([config.cxx, '--version']),
  ccache: await versionOf([config.ccache, '--version']),
  sccache: await versionOf([config.sccache, '--version']),
};
const routes = makeRoutes(config.work);
const [uncached, ...cached] = routes;
// A case its toolchain cannot compile uncached is data (the reason is kept),
// and the cached routes do not build it. The uncached route runs in the pool
// beside the cached ones, not alone before them (it would hold one core of two
// for its whole run): a cached route waits only for the uncached build of the
// case it is about to build, which is ahead, having two builds and no cache.
const uncachedBuilt = new Map(
  cases.map((c) => {
    let resolve;
    const promise = new Promise((r) => (resolve = r));
    return [c.id, { promise, resolve }];
  }),
);
const coldFailure = (calls) => calls.find((x) => x.build === 'cold' && x.kind === 'compile' && x.exitCode !== 0);
const skipUncompilable = async (c) => !!coldFailure(await uncachedBuilt.get(c.id).promise);
// The longest routes first (the split's), so the two lanes end together.
const order = [uncached, ...[...cached].reverse()];
const runs = new Map(
  (
    await pool(order, config.concurrency ?? 2, (route) =>
      route === uncached ? runRoute(route, { built: (c, calls) => uncachedBuilt.get(c.id).resolve(calls) }) : runRoute(route, { skip: skipUncompilable }),
    )
  ).map((r, i) => [order[i], r]),
);
const uncachedRun = runs.get(uncached);
const notCompilable = {};
for (const c of cases) {
  const failed = coldFailure(uncachedRun.perCase[c.id]);
  if (failed) notCompilable[c.id] = firstError(failed.stderr);
}
const skip = new Set(Object.keys(notCompilable));

const result = {
  toolchain: config.toolchain,
  versions,
  cases: cases.map((c) => ({ id: c.id, shape: c.shape, title: c.title, compilable: !skip.has(c.id), ...(skip.has(c.id) ? { notCompilable: notCompilable[c.id] } : {}) })),
  routes: [],
};
for (const [route, runResult] of routes.map((r) => [r, runs.get(r)])) {
  const judged = {};
  for (const c of cases) {
    if (skip.has(c.id)) continue;
    const { refs, cuidRefs } = runResult.refsByCase[c.id];
    judged[c.id] = { ...judgeCase(c, runResult.perCase[c.id], uncachedRun.perCase[c.id], refs, cuidRefs), calls: runResult.perCase[c.id] };
  }
  result.routes.push({ id: route.id, cache: route.cache, launcher: !!route.launcher, split: !!route.split, summary: summarizeRoute(Object.values(judged)), cases: judged });
}
result.durationMs = Date.now() - started;
result.work = work;
process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
