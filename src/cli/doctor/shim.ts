import { findLlvmBin } from '../../shim/find-llvm-bin.js';
import { DEFAULT_ENTRY_STEMS, entryFileName } from '../../shim/layout.js';
import { shimStatus, type ShimStatus } from '../../shim/shim-status.js';
import { errorFinding, finding, type Finding } from './finding.js';

// The shim in one ROCm tree: installed or not, drift, a transaction a crash left.

// real-changed: the shim runs the new real compiler (still cached); every other drift breaks the route.
const DRIFT_THAT_STILL_CACHES: ReadonlySet<string> = new Set(['real-changed']);

// A directory holding an llvm bin dir, whatever state its shim is in (a corrupt manifest is the shim finding's to report).
export function isLlvmTree(dir: string, cwd: string): boolean {
  try {
    findLlvmBin(dir, DEFAULT_ENTRY_STEMS.map((n) => entryFileName(n, process.platform)), cwd);
    return true;
  } catch {
    return false;
  }
}

export function readShimStatus(dir: string, cwd: string): { status?: ShimStatus; error?: Finding } {
  try {
    return { status: shimStatus(dir, process.platform, cwd) };
  } catch (error) {
    return { error: errorFinding('shim', error, `check the tree, then run hip-clang-launcher status ${dir}`) };
  }
}

export function shimFinding(dir: string, status: ShimStatus): Finding {
  const { bin, manifest } = status;
  if (status.interrupted) {
    const { action, committed } = status.interrupted;
    return finding(
      'shim',
      'fail',
      `${bin}: an interrupted ${action} left its journal (${status.interrupted.journal}); the next install or uninstall ${committed ? 'completes' : 'rolls back'} it`,
      `hip-clang-launcher install ${dir} (or uninstall ${dir})`,
    );
  }
  if (!manifest) return finding('shim', 'ok', `${bin}: no shim installed`);
  const wrapped = manifest.entries.map((e) => e.name).join(', ');
  if (status.drift.length === 0) {
    return finding('shim', 'ok', `${bin}: shim installed (${wrapped} wrapped, cache ${manifest.cache ?? 'auto'}), no drift`);
  }
  const blocking = status.drift.some((d) => !DRIFT_THAT_STILL_CACHES.has(d.kind));
  return finding('shim', blocking ? 'fail' : 'warn', `${bin}: the shim has drifted: ${status.drift.map((d) => d.detail).join('; ')}`, `hip-clang-launcher install ${dir} (it repairs the drift)`);
}
