import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { summarize } from './stats.mjs';

// Wall time of one call, from spawn to exit, measured by the parent. The
// harness's own spawn cost is the same for every case; the "compiler called
// directly" case shows that floor.
export function timeOnce(command) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command.file, command.args, {
    env: command.env,
    cwd: command.cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 16 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.error) throw new Error(`${command.file} did not start: ${result.error.message}`);
  if (result.status !== 0) {
    const why = result.signal ? `killed by ${result.signal}` : `exit ${result.status}`;
    throw new Error(`${why}: ${firstLines(result.stderr)}`);
  }
  return ms;
}

// CPU seconds (user + system) of the children this process has waited for,
// grandchildren included: a build's compute, which other load on a shared
// machine disturbs far less than its wall time. Linux only (/proc).
const TICKS_PER_SECOND = 100;
export function waitedChildrenCpuSeconds() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  // After "pid (comm) ", field 3 (state) is index 0: cutime is field 16, cstime field 17.
  return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
}

// Wall time and CPU time of one call.
export function timeAndCpuOnce(command) {
  const cpuBefore = waitedChildrenCpuSeconds();
  const ms = timeOnce(command);
  return { ms, cpuSeconds: waitedChildrenCpuSeconds() - cpuBefore };
}

function firstLines(buffer, n = 3) {
  return String(buffer ?? '').trim().split('\n').slice(0, n).join(' | ') || '(no stderr)';
}

// Runs every case once per round, in turn, so that machine noise (other
// builds on a shared host) lands on all cases alike and ratios stay side by
// side. A case's `before` step (a clean, say) is not timed. Warm-up rounds
// fill the page cache and are not recorded. A case that fails stops being
// run and keeps its error. `measureOnce` takes one sample (default: wall
// time); `toResult` turns a case's samples into its result. `rotate`: each
// round starts one case later, for cases independent of each other, so no
// case always runs first or just after the same other case (a position's own
// cost, caches gone cold while other programs ran, lands on all alike).
export async function roundRobin(cases, { runs, warmup, onRound, rotate = false, measureOnce = timeOnce, toResult = (samples) => ({ stats: summarize(samples) }) }) {
  const samples = new Map(cases.map((c) => [c.id, []]));
  const errors = new Map();
  for (let round = 0; round < warmup + runs; round++) {
    const shift = rotate ? round % cases.length : 0;
    for (const c of [...cases.slice(shift), ...cases.slice(0, shift)]) {
      if (errors.has(c.id)) continue;
      try {
        c.command.before?.();
        const sample = await measureOnce(c.command);
        if (round >= warmup) samples.get(c.id).push(sample);
      } catch (error) {
        errors.set(c.id, error.message);
      }
    }
    onRound?.(round + 1, warmup + runs);
  }
  return new Map(cases.map((c) => [c.id, errors.has(c.id) ? { error: errors.get(c.id) } : toResult(samples.get(c.id))]));
}
