import { homedir } from 'node:os';
import { ratio } from './stats.mjs';
import { roundRobin } from './timing.mjs';

// Runs one group: prepares its declarative cases (a case whose prerequisite
// is missing fails here, with the reason), measures the rest together, lets
// the group check that what it measured is what it claims (a warm hit was a
// hit), and puts each case next to the group's reference case.
export async function runGroup(group, ctx, options) {
  const mode = ctx.quick ? 'quick' : 'full';
  const runs = options.runs ?? group.runs[mode];
  // Warm-up rounds are timed and thrown away: quick mode, whose numbers mean nothing, has none.
  const warmup = (group.warmup ?? { full: 2, quick: 0 })[mode];
  const started = Date.now();
  log(`${group.title}: ${runs} round(s) after ${warmup} warm-up`);
  const outcome = new Map();
  const ready = [];
  let prepared = { cases: [] };
  try {
    prepared = await group.prepare(ctx);
    for (const c of prepared.cases) {
      try {
        ready.push({ ...c, command: await c.command() });
      } catch (error) {
        outcome.set(c.id, { error: error.message });
        log(`  ${c.id}: FAILED to prepare: ${error.message}`);
      }
    }
    const measure = group.measure ?? ((cases, plan) => roundRobin(cases, plan));
    const measured = await measure(ready, { runs, warmup, onRound: progress }, prepared);
    for (const [id, result] of measured) outcome.set(id, result);
    for (const [id, problem] of (await prepared.verify?.(ready, outcome)) ?? []) {
      outcome.set(id, { ...outcome.get(id), error: problem });
    }
  } catch (error) {
    // A failure of the group's own setup fails every case it has not already decided.
    const cases = prepared.cases.length ? prepared.cases : [{ id: 'setup', label: 'group setup' }];
    prepared = { ...prepared, cases };
    for (const c of cases) if (!outcome.get(c.id)?.error && !outcome.get(c.id)?.stats) outcome.set(c.id, { error: `group setup failed: ${error.message}` });
  } finally {
    await prepared.teardown?.();
  }
  const reference = outcome.get(group.reference)?.stats;
  const cases = prepared.cases.map((c) => {
    const r = withoutWorkPath(outcome.get(c.id) ?? { error: 'not measured' }, ctx.work);
    if (r.error) log(`  ${c.id}: FAILED: ${r.error}`);
    return {
      id: c.id,
      label: c.label,
      ok: !r.error,
      ...(r.error ? { error: r.error } : {}),
      ...(r.stats ? { stats: r.stats, ratio: ratio(r.stats, reference) } : {}),
      ...(r.extra ? { extra: r.extra } : {}),
    };
  });
  return { id: group.id, title: group.title, unit: group.unit ?? 'ms', reference: group.reference, columns: group.columns ?? {}, runs, warmup, notes: prepared.notes ?? [], cases, seconds: Math.round((Date.now() - started) / 1000) };
}

// The report is committed: this machine's temporary and home paths mean nothing elsewhere.
function withoutWorkPath(result, work) {
  return result.error ? { ...result, error: result.error.replaceAll(work, '<work>').replaceAll(homedir(), '~') } : result;
}

function progress(done, total) {
  if (done === total || done % 10 === 0 || total <= 10) log(`  round ${done}/${total}`);
}

export function log(message) {
  console.error(`bench: ${message}`);
}
