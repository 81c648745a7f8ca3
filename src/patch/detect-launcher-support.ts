import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HipccTree } from './find-hipcc-tree.js';
import { planPatch } from './plan-patch.js';
import { BACKPORT, WINDOWS_FIX, type ShippedPatch } from './shipped-patches.js';

// Which case a hipcc source is in, read from the source:
//   none      no HIP_CLANG_LAUNCHER (ROCm 6.x to 7.12): the backport fits
//   upstream  upstream's variable (ROCm 7.13+), Windows quoting bug included:
//             the Windows quoting fix fits
//   patched   one of our patches is in (its whole result is present): our
//             backport, or upstream's variable plus the Windows quoting fix

export type Support = 'none' | 'upstream' | 'patched';

export interface SupportState {
  support: Support;
  // The patch for this tree: to apply (none, upstream) or already applied (patched).
  patch: ShippedPatch;
  summary: string;
}

export function detectLauncherSupport(tree: HipccTree): SupportState {
  for (const patch of [BACKPORT, WINDOWS_FIX]) {
    if (planPatch(tree, patch.parsed, true).ok) {
      return { support: 'patched', patch, summary: `already patched by hip-clang-launcher: ${PATCHED[patch.id]}` };
    }
  }
  const base = readFileSync(join(tree.hipccDir, 'src', 'hipBin_base.h'), 'utf8');
  if (base.includes('"HIP_CLANG_LAUNCHER"')) {
    return {
      support: 'upstream',
      patch: WINDOWS_FIX,
      summary: "upstream HIP_CLANG_LAUNCHER support (ROCm 7.13+), with upstream's Windows quoting bug",
    };
  }
  return { support: 'none', patch: BACKPORT, summary: 'no HIP_CLANG_LAUNCHER support (ROCm 6.x to 7.12)' };
}

const PATCHED: Record<ShippedPatch['id'], string> = {
  backport: 'its backport of HIP_CLANG_LAUNCHER',
  'windows-fix': "upstream's HIP_CLANG_LAUNCHER plus its Windows quoting fix",
};
