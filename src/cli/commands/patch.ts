import type { CommandModule } from 'yargs';
import { HclError } from '../../errors.js';
import { applyPatch } from '../../patch/apply-patch.js';
import { detectLauncherSupport, type SupportState } from '../../patch/detect-launcher-support.js';
import { findHipccTree, THEROCK_PATCHES, type HipccTree, type TreeKind } from '../../patch/find-hipcc-tree.js';
import type { FileChange } from '../../patch/plan-patch.js';
import { BACKPORT, WINDOWS_FIX } from '../../patch/shipped-patches.js';
import { findPlacedPatch, placePatch, removePlacedPatch } from '../../patch/therock-patches.js';
import { launcherPath } from '../../patch/launcher-path.js';

interface Args {
  dir: string;
  check: boolean;
  revert: boolean;
  'therock-patches': boolean;
}

const KIND: Record<TreeKind, string> = {
  therock: 'TheRock checkout',
  'llvm-project': 'llvm-project checkout',
  'hipcc-dir': 'amd/hipcc directory',
};

// Gives hipcc HIP_CLANG_LAUNCHER: the backport where it has none, the Windows
// quoting fix where it has upstream's. Exit status of --check: 0 = it would
// change something, 1 = nothing to do.
export const patchCommand: CommandModule<object, Args> = {
  command: 'patch <dir>',
  describe: 'give hipcc HIP_CLANG_LAUNCHER (TheRock, llvm-project or amd/hipcc directory)',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'TheRock checkout, llvm-project checkout, or amd/hipcc directory' })
      .option('check', { type: 'boolean', default: false, describe: 'change nothing; exit 0 if it would apply, 1 if there is nothing to do' })
      .option('revert', { type: 'boolean', default: false, describe: 'undo our patch' })
      .option('therock-patches', {
        type: 'boolean',
        default: false,
        describe: `TheRock: put the patch file into ${THEROCK_PATCHES}/ for TheRock's own fetch to apply, instead of patching the source`,
      }),
  handler: (args) => {
    const tree = findHipccTree(args.dir);
    if (args['therock-patches'] && tree.kind !== 'therock') {
      throw new HclError('usage', `--therock-patches needs a TheRock checkout; ${args.dir} is an ${KIND[tree.kind]}`, 'drop --therock-patches to patch the source');
    }
    const state = detectLauncherSupport(tree);
    console.log(`hipcc source: ${tree.hipccDir} (${KIND[tree.kind]})`);
    console.log(`found: ${state.summary}`);
    const changes = args['therock-patches'] ? patchSeries(tree, state, args) : patchSource(tree, state, args);
    if (changes.length === 0) {
      if (args.check) process.exitCode = 1;
      return;
    }
    const done = { add: 'added', remove: 'removed', change: 'changed' } as const;
    for (const c of changes) {
      const what = c.before === null ? 'add' : c.after === null ? 'remove' : 'change';
      console.log(`${args.check ? `would ${what}` : done[what]}: ${c.file}`);
    }
    if (args.check || args.revert) return;
    if (args['therock-patches']) console.log("next: run TheRock's fetch_sources.py so that it applies the patch, then build");
    else console.log('next: rebuild hipcc');
    console.log(`then set HIP_CLANG_LAUNCHER=${launcherPath()} in the build environment`);
  },
};

function patchSource(tree: HipccTree, state: SupportState, args: Args): FileChange[] {
  const dryRun = args.check;
  if (args.revert) {
    if (state.support !== 'patched') {
      console.log('nothing to revert: hipcc is not patched by hip-clang-launcher');
      return [];
    }
    const changes = applyPatch(tree, state.patch, { reverse: true, dryRun });
    console.log(`${dryRun ? 'would revert' : 'reverted'}: ${state.patch.parsed.subject}`);
    return changes;
  }
  if (state.support === 'patched') {
    console.log('nothing to do: already applied');
    return [];
  }
  const changes = applyPatch(tree, state.patch, { reverse: false, dryRun });
  console.log(`${dryRun ? 'would apply' : 'applied'}: ${state.patch.parsed.subject}`);
  return changes;
}

function patchSeries(tree: HipccTree, state: SupportState, args: Args): FileChange[] {
  const dryRun = args.check;
  const placed = [BACKPORT, WINDOWS_FIX].map((p) => ({ p, file: findPlacedPatch(tree, p) })).find((x) => x.file);
  if (args.revert) {
    if (!placed?.file) {
      console.log(`nothing to revert: no patch of ours in ${THEROCK_PATCHES}/`);
      return [];
    }
    return [removePlacedPatch(placed.file, placed.p, dryRun)];
  }
  if (placed?.file) {
    console.log(`nothing to do: already in TheRock's patches as ${placed.file}`);
    return [];
  }
  // The series must apply on fetch: check the hunks against the source now
  // (against its unpatched form when our patch is already in the source).
  if (state.support !== 'patched') applyPatch(tree, state.patch, { reverse: false, dryRun: true });
  const change = placePatch(tree, state.patch, dryRun);
  console.log(`${dryRun ? 'would add' : 'added'} to TheRock's patches: ${state.patch.parsed.subject}`);
  return [change];
}
