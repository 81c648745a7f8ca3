import { writeStderr } from '../errors.js';
import { DEBUG_VAR } from './env-vars.js';

// HIP_CLANG_LAUNCHER_DEBUG: where the launcher's own time goes, by phase,
// printed as one line just before it hands over (exec or spawn). The phases
// follow each other; each mark closes the phase that ran since the last one,
// so the parts add up to the whole (the clock counts from process start:
// `start` is Node's own start and the bundle's evaluation). Unset, a mark is
// one test of a boolean read once: nothing is timed or kept.

export type Phase = 'start' | 'shim' | 'parse' | 'finding the cache' | 'cache facts' | 'toolchain digest' | 'rules' | 'exec';

// Milliseconds since the process started: the launcher's one clock (phases,
// the call log's launcherMs and durations). process.uptime() counts from
// Node's start as performance.now() does, but the global `performance`
// loads perf_hooks and ten internal modules on first use: 3.8M instructions
// per call (callgrind, an empty single executable), as much as everything a
// C call with cache `none` does after the bundle is compiled.
export function sinceStartMs(): number {
  return process.uptime() * 1000;
}

const on = Boolean(process.env[DEBUG_VAR]);
let last = 0;
const spent = new Map<Phase, number>();

export function phaseEnds(phase: Phase): void {
  if (!on) return;
  const now = sinceStartMs();
  spent.set(phase, (spent.get(phase) ?? 0) + now - last);
  last = now;
}

// The line, once, closing the `exec` phase (the checks before the hand-over).
export function reportPhases(to: string): void {
  if (!on || spent.has('exec')) return;
  phaseEnds('exec');
  const parts = [...spent].map(([phase, ms]) => `${phase} ${ms.toFixed(2)}`);
  writeStderr(`hip-clang-launcher: debug: ${last.toFixed(2)} ms before ${to}: ${parts.join(', ')} (ms)\n`);
}
