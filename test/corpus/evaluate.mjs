// Pure judgement over what run-corpus.mjs recorded: per route and case, the
// cache-made failures, the wrong results and the hits on legitimate rebuilds,
// and one matrix cell. No processes here, so the rules read in one place.
//
// How objects are compared, fairly. clang gives every HIP object a
// __hip_cuid_ derived from its input path and arguments, -o included, and a
// cache runs the compiler with its own arguments (ccache reorders them, both
// may change -o). So a cached HIP object is not byte-equal to an uncached
// compile of the same inputs, and that difference is not an error. What is:
//  - a hit whose bytes differ from what the same route produces when it really
//    compiles the same inputs (its own miss for that state and output, or a
//    compile through the same route with an empty cache). After a change that
//    is a stale hit; before one, another object's result (RDC's b.o served
//    with a.o's __hip_cuid_). Miss compiles are deterministic (checked: two
//    empty caches in two directories give the same bytes), so this is exact.
//  - where the object cannot depend on the route (an explicit -cuid, plain
//    C++: `exact` cases), any difference from the uncached bytes;
//  - where the launcher logs the -cuid it added, any difference from an
//    uncached compile given that same -cuid;
//  - a link that fails where the uncached one links, or an output missing.
// A cache-made failure is a non-zero exit or a signal where the uncached
// compile of the same step succeeded: "crash" for a signal or a panic, "fail"
// otherwise.

const CRASH = /panicked|Segmentation fault|core dumped|Aborted|SIGSEGV|SIGABRT/;

export function classifyFailure(call) {
  if (call.signal || CRASH.test(call.stderr ?? '')) return 'crash';
  return 'fail';
}

// Calls whose outputs the split made: run as parts, or ccache's whole-call entry that a split stored.
const SPLIT_MADE = new Set(['split', 'whole-call hit']);

const key = (call) => `${call.build}\0${call.step}`;
// Calls are matched to the uncached route's by input state: it builds each state once.
const stateKey = (call) => `${call.state}\0${call.step}`;

// calls: this route's calls for one case; uncached: the uncached route's calls for it;
// refs: state\0step -> shas of the route's own real compile; cuidRefs: key -> shas
// of an uncached compile given the -cuid the launcher logged.
export function judgeCase(c, routeCalls, uncachedCalls, refs, cuidRefs) {
  const base = new Map(uncachedCalls.map((u) => [stateKey(u), u]));
  const failures = [];
  const wrong = [];
  for (const call of routeCalls) {
    const u = base.get(stateKey(call));
    if (!u || u.skipped || call.skipped) continue;
    const ok = call.exitCode === 0 && !call.signal;
    const uOk = u.exitCode === 0 && !u.signal;
    if (!ok && uOk) {
      if (call.kind === 'link') wrong.push({ kind: 'link-failed', build: call.build, step: call.step, detail: firstError(call.stderr) });
      else failures.push({ kind: classifyFailure(call), build: call.build, step: call.step, detail: firstError(call.stderr) });
      continue;
    }
    if (!ok || call.kind !== 'compile') continue;
    if (u.outputs.primary && !call.outputs.primary) {
      wrong.push({ kind: 'no-output', build: call.build, step: call.step });
      continue;
    }
    if (c.exact && !sameOutputs(call.outputs, u.outputs)) {
      wrong.push({ kind: 'differs-from-uncached', build: call.build, step: call.step });
      continue;
    }
    const cuidRef = cuidRefs[key(call)];
    if (cuidRef && cuidRef.primary !== call.outputs.primary) {
      wrong.push({ kind: 'differs-from-uncached-with-same-cuid', build: call.build, step: call.step });
      continue;
    }
    // A depfile from a split call (or ccache's entry a split stored) lists what the one-step compile's lists.
    if (cuidRef && SPLIT_MADE.has(call.split?.kind) && cuidRef.depfile !== call.outputs.depfile) {
      wrong.push({ kind: 'depfile-differs-from-one-step', build: call.build, step: call.step });
      continue;
    }
    if (call.outcome === 'hit') {
      const ref = refs[stateKey(call)];
      if (ref && !sameOutputs(call.outputs, ref)) {
        wrong.push({ kind: call.build === 'changed' ? 'stale-hit' : 'wrong-hit', build: call.build, step: call.step });
      }
    }
  }
  const warm = routeCalls.filter((x) => x.build === 'warm' && x.kind === 'compile' && !x.skipped);
  const rebuild = {
    compiles: warm.length,
    hits: warm.filter((x) => x.outcome === 'hit').length,
    // Calls the launcher sent straight to the compiler, with its reason.
    direct: warm.filter((x) => x.launcher && x.launcher.route !== 'cache' && x.launcher.route !== 'split').map((x) => ({ step: x.step, route: x.launcher.route, reason: x.launcher.reason ?? null })),
    notCachedReasons: [...new Set(warm.filter((x) => x.outcome !== 'hit').map((x) => x.outcome))],
  };
  return { failures, wrong, rebuild, cell: cellOf(failures, wrong, rebuild) };
}

function cellOf(failures, wrong, rebuild) {
  if (failures.some((f) => f.kind === 'crash')) return 'crash';
  if (failures.length) return 'fail';
  if (wrong.some((w) => w.kind === 'stale-hit' || w.kind === 'wrong-hit')) return 'stale';
  if (wrong.length) return 'wrong';
  if (rebuild.compiles === 0) return 'n/a';
  if (rebuild.direct.length === rebuild.compiles) return 'direct';
  if (rebuild.hits === rebuild.compiles) return 'cached';
  if (rebuild.hits === 0) return 'not cached';
  return 'partly cached';
}

function sameOutputs(a, b) {
  return a.primary === b.primary && a.depfile === b.depfile;
}

// How a split route handled one call, from its log records:
// - split: run as parts (each part's name, route and the cache's answer);
// - whole-call hit: ccache's whole-call entry answered, so nothing was split;
// - whole: kept whole, with the reason the split rule logged, or sent direct
//   by a rule that spoke first, with its reason;
// - not HIP: no HIP rule's business (plain C++);
// - split failed / unexplained: a defect, listed by launcherViolations.
export function splitHandling(records) {
  const split = records.find((r) => r.route === 'split');
  if (split) return { kind: 'split', parts: (split.parts ?? []).map((p) => ({ name: p.name, route: p.route, ...(p.cacheResult ? { result: p.cacheResult } : {}) })) };
  const failed = records.find((r) => typeof r.reason === 'string' && r.reason.includes('split failed ('));
  if (failed) return { kind: 'split failed', reason: failed.reason };
  if (records.some((r) => r.cacheResult === 'hit')) return { kind: 'whole-call hit' };
  // A rule that sent the call straight to the compiler (a shape the cache mishandles) spoke before the split could.
  const direct = records.find((r) => r.route === 'direct' && typeof r.reason === 'string');
  if (direct) return { kind: 'whole', reason: `direct: ${direct.reason}` };
  const reasons = records.flatMap((r) => [r.reason, ...(r.rules ?? []).filter((x) => x.rule === 'split').map((x) => x.reason)]).filter((x) => typeof x === 'string');
  const why = reasons.find((x) => /not split/.test(x));
  if (why) return { kind: 'whole', reason: why.slice(why.indexOf('not split')) };
  if (records.length && records.every((r) => r.language !== 'hip')) return { kind: 'not HIP' };
  return { kind: 'unexplained', reason: records.map((r) => `${r.route}: ${r.reason}`).join(' / ') || 'no log record' };
}

export function firstError(stderr) {
  const lines = (stderr ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines.find((l) => /error|fatal|panicked/i.test(l)) ?? lines[0] ?? '').slice(0, 300);
}

// Totals per route over the compilable cases.
export function summarizeRoute(judged) {
  const total = { wrongResults: 0, cacheMadeFailures: 0, legitimateRebuilds: 0, hits: 0, direct: 0 };
  for (const j of judged) {
    total.wrongResults += j.wrong.length;
    total.cacheMadeFailures += j.failures.length;
    total.legitimateRebuilds += j.rebuild.compiles;
    total.hits += j.rebuild.hits;
    total.direct += j.rebuild.direct.length;
  }
  return total;
}

// Shapes the launcher sends straight to the compiler for a defect its cache
// has upstream, even where one small case happens to come out right: the
// defect depends on the bytes (src/launcher/hip-rules/mishandled-shapes.ts).
// Uncached by design there, so not a lost hit.
export const ROUTED_AROUND = [
  { cache: 'sccache', when: (id) => id.startsWith('offload-compress'), why: 'sccache #2762: --offload-compress preprocessor output read as text' },
];

// The launcher's promise, case by case, against the bare cache it drives:
// no cache-made failure, no wrong result, and on a legitimate rebuild a hit
// wherever the bare cache gives a correct one. A shape the bare cache
// mishandles may go straight to the compiler; a shape it caches correctly may
// not. Returns one line per broken promise.
export function launcherViolations(launcherRoute, bareRoute) {
  const out = [];
  for (const [id, j] of Object.entries(launcherRoute.cases)) {
    const bare = bareRoute.cases[id];
    for (const f of j.failures) out.push(`${id}: cache-made ${f.kind} (${f.build} ${f.step}): ${f.detail}`);
    // The split: each call split, or kept whole with the reason logged; a part never fails a call that compiles.
    for (const call of launcherRoute.split ? j.calls : []) {
      if (call.skipped || !call.split || call.exitCode !== 0) continue;
      if (call.split.kind === 'split failed') out.push(`${id}: the split failed (${call.build} ${call.step}): ${call.split.reason}`);
      if (call.split.kind === 'unexplained') out.push(`${id}: ${call.build} ${call.step} neither split nor kept whole with a logged reason: ${call.split.reason}`);
    }
    for (const w of j.wrong) out.push(`${id}: ${w.kind} (${w.build} ${w.step})${w.detail ? `: ${w.detail}` : ''}`);
    const bareCorrect = bare && bare.failures.length === 0 && bare.wrong.length === 0;
    for (const call of j.calls.filter((x) => x.build === 'warm' && x.kind === 'compile' && !x.skipped)) {
      if (call.outcome === 'hit' || call.exitCode !== 0) continue;
      const bareCall = bare?.calls.find((x) => x.build === 'warm' && x.step === call.step);
      if (call.outcome === 'miss') out.push(`${id}: a miss on a legitimate rebuild of ${call.step}`);
      else if (ROUTED_AROUND.some((r) => r.cache === launcherRoute.cache && r.when(id))) continue;
      else if (bareCorrect && bareCall?.outcome === 'hit') out.push(`${id}: ${call.step} not cached on a rebuild (${call.launcher?.reason ?? call.outcome}), where the bare cache caches it correctly`);
    }
  }
  return out;
}
