import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { driverModeOf, realNameFor } from '../../src/shim/driver-mode.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { LLVM15 } from './trees.js';

// The names the real compiler is reached by must keep clang's driver mode.
// Checked against clang-15 itself: a link under each name, asked with -###
// whether it links as C++ (-lstdc++).
function linksAsCxx(dir: string, name: string): boolean {
  const link = join(dir, name);
  if (!fs.existsSync(link)) fs.symlinkSync(join(LLVM15, 'bin/clang'), link);
  // -### prints the jobs on stderr.
  const jobs = execFileSync('sh', ['-c', '"$0" -### -x c++ /dev/null -o /dev/null 2>&1', link], { encoding: 'utf8' });
  return jobs.includes('"-lstdc++"');
}

describe('driver mode of real-compiler names (against clang-15)', () => {
  const dir = makeTempDir('hcl-mode-');
  it.each(['clang', 'clang++', 'clang++-15', 'clang-15', 'clang-cpp', 'x86_64-linux-gnu-clang++'])('%s keeps its mode as realNameFor(%s)', (name) => {
    const real = realNameFor(name);
    expect(linksAsCxx(dir, real)).toBe(linksAsCxx(dir, name));
    expect(driverModeOf(real)).toBe(driverModeOf(name));
  });

  it('the model agrees with clang on names that lose the mode', () => {
    for (const name of ['clang++-15-real', 'clang++-real', 'clang++-15.real', 'clang-15-real', 'clang++-real15']) {
      expect(driverModeOf(name) === 'g++', name).toBe(linksAsCxx(dir, name));
    }
    expect(realNameFor('clang++-15')).toBe('clang++-15.real');
    expect(realNameFor('clang++')).toBe('clang++-real');
    expect(realNameFor('clang++.exe')).toBe('clang++-real.exe');
  });
});
