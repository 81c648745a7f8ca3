import * as fs from 'node:fs';
import { join, resolve } from 'node:path';
import { HclError } from '../errors.js';
import { lexists } from '../safe-read.js';
import { JOURNAL_NAME, MANIFEST_NAME } from './layout.js';

// The llvm bin dir of a ROCm tree, from what the user gave: the bin dir
// itself, a ROCm root (`llvm/bin`, or `lib/llvm/bin` in newer layouts), or a
// Debian-style `llvm-N` dir (`bin`).
const LAYOUTS: readonly string[] = ['.', 'llvm/bin', 'lib/llvm/bin', 'bin'];

function isDir(path: string): boolean {
  try {
    return fs.statSync(path).isDirectory();
  } catch {
    return false;
  }
}

// The bin dir holding our manifest or journal, else one of `compilers`
// (a half-done install may have left a compiler's name missing, never both of ours).
export function findLlvmBin(given: string, compilers: readonly string[], cwd = process.cwd()): string {
  const markers = [MANIFEST_NAME, JOURNAL_NAME, ...compilers];
  const root = resolve(cwd, given);
  if (!fs.existsSync(root)) {
    throw new HclError('not-a-llvm-bin', `${given} does not exist`, 'give a ROCm root (holding llvm/bin) or an llvm bin directory');
  }
  if (!isDir(root)) {
    throw new HclError('not-a-llvm-bin', `${given} is not a directory`, 'give a ROCm root (holding llvm/bin) or an llvm bin directory');
  }
  for (const marker of markers) {
    for (const layout of LAYOUTS) {
      const bin = join(root, layout);
      if (isDir(bin) && lexists(join(bin, marker))) return bin;
    }
  }
  throw new HclError(
    'not-a-llvm-bin',
    `no ${compilers.join(' or ')} in ${given} or its ${LAYOUTS.slice(1).join(', ')}`,
    'give a ROCm root (holding llvm/bin) or the llvm bin directory that holds clang',
  );
}
