import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HclError } from '../errors.js';

// Works out what `patch <dir>` was given and where hipcc's source is in it.
// The patches name files relative to llvm-project's root (amd/hipcc/src/...),
// as TheRock's patches tree requires.

export type TreeKind = 'therock' | 'llvm-project' | 'hipcc-dir';

export interface HipccTree {
  kind: TreeKind;
  root: string;
  hipccDir: string;
  // TheRock only: where its fetch step finds patches for llvm-project.
  therockPatchesDir?: string;
}

export const HIPCC_IN_LLVM = 'amd/hipcc';
// TheRock's llvm-project submodule, and its patch series for it.
export const THEROCK_LLVM = 'compiler/amd-llvm';
export const THEROCK_PATCHES = 'patches/amd-mainline/llvm-project';
const HIPCC_FILES = ['src/hipBin_amd.h', 'src/hipBin_base.h'];

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
const isHipccDir = (p: string) => HIPCC_FILES.every((f) => existsSync(join(p, f)));

export function findHipccTree(given: string): HipccTree {
  const root = resolve(given);
  if (!isDir(root)) {
    throw new HclError('not-a-hipcc-tree', `${given} is not a directory`, 'give a TheRock checkout, an llvm-project checkout or its amd/hipcc directory');
  }
  if (isDir(join(root, 'patches', 'amd-mainline'))) {
    const hipccDir = join(root, THEROCK_LLVM, HIPCC_IN_LLVM);
    if (!isHipccDir(hipccDir)) {
      throw new HclError(
        'not-a-hipcc-tree',
        `TheRock checkout ${given} has no hipcc source in ${THEROCK_LLVM}/${HIPCC_IN_LLVM}`,
        "fetch its sources first (python build_tools/fetch_sources.py), then run 'patch' again",
      );
    }
    return { kind: 'therock', root, hipccDir, therockPatchesDir: join(root, THEROCK_PATCHES) };
  }
  if (isHipccDir(join(root, HIPCC_IN_LLVM))) return { kind: 'llvm-project', root, hipccDir: join(root, HIPCC_IN_LLVM) };
  if (isHipccDir(root)) return { kind: 'hipcc-dir', root, hipccDir: root };
  throw new HclError(
    'not-a-hipcc-tree',
    `${given} is not a hipcc source tree (no ${HIPCC_FILES.join(' or ')}, in it or in ${HIPCC_IN_LLVM}/)`,
    'give a TheRock checkout, an llvm-project checkout or its amd/hipcc directory',
  );
}

// The file on disk for a path as a patch names it (amd/hipcc/src/...).
export function fileInTree(tree: HipccTree, patchPath: string): string {
  const prefix = `${HIPCC_IN_LLVM}/`;
  if (!patchPath.startsWith(prefix)) throw new Error(`patch path ${patchPath} is outside ${HIPCC_IN_LLVM}`);
  return join(tree.hipccDir, patchPath.slice(prefix.length));
}
