import { writeStderr } from '../errors.js';
import { DEBUG_VAR } from './env-vars.js';

// HIP_CLANG_LAUNCHER_DEBUG: where the launcher's own time goes, by phase,
// printed as one line just before it hands over (exec or spawn). The phases
// follow each other; each mark closes the phase that ran since the last one,
// so the parts add up to the whole (performance.now() counts from process
// start: `start` is Node's own start and the bundle's evaluation). Unset, a
// mark is one test of a boolean read once: nothing is timed or kept.

export type Phase = 'start' | 'shim' | 'parse' | 'finding the cache' | 'cache facts' | 'toolchain digest' | 'rules' | 'exec';

const on = Boolean(process.env[DEBUG_VAR]);
let last = 0;
const spent = new Map<Phase, number>();

export function phaseEnds(phase: Phase): void {
  if (!on) return;
  const now = performance.now();
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
