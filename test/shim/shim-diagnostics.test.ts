import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runInLab } from '../helpers/lab.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { repoRoot } from '../helpers/tools.js';
import { shimmedLlvm21 } from '../lab/lab-builds.js';

// Issue 18, item 10: what the compiler prints about itself through the shim
// is what the bare compiler prints. clang-21 names itself in its driver's
// diagnostics by its argv[0]; the shim ran the real compiler as
// <bin>/clang++-real, so a build log said `clang++-real: error:` where the
// bare compiler says `clang++: error:`. Run directly, the real compiler now
// gets the invoked name as argv[0]. (Through a cache, the cache runs it by
// the path it is given: see the README.)

describe('shim diagnostics are the compiler\'s own (sid lab, clang-21)', () => {
  let dir: string;
  let shimBin: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-shim-diag-');
    shimBin = shimmedLlvm21(dir);
    writeFileSync(join(dir, 'ok.c'), 'int f(void) { return 1; }\n');
  }, 300_000);

  it('errors, --version and driver warnings: byte for byte the bare compiler\'s, for clang and clang++', () => {
    const calls = [
      ['-c', 'missing.cpp', '-o', 'x.o'],
      ['--version'],
      ['-fno-such-flag', '-E', 'ok.c'],
      ['-Wunused-command-line-argument', '-c', 'ok.c', '-o', 'ok.o', '-L/nowhere'],
    ];
    const script = ['cd "$W"'];
    for (const [i, args] of calls.entries()) {
      for (const name of ['clang', 'clang++']) {
        for (const [tag, bin] of [['bare', '/usr/lib/llvm-21/bin'], ['shim', shimBin]]) {
          script.push(`HIP_CLANG_LAUNCHER_CACHE=none ${bin}/${name} ${args.join(' ')} > ${tag}-${name}-${i}.out 2>&1 || true`);
        }
      }
    }
    const r = runInLab(['sh', '-c', script.join('\n')], { binds: [{ host: join(repoRoot, 'dist/linux-x64'), readOnly: true }, dir], env: { W: dir } });
    expect(r.status, r.stderr).toBe(0);
    for (const i of calls.keys()) {
      for (const name of ['clang', 'clang++']) {
        const bare = readFileSync(join(dir, `bare-${name}-${i}.out`), 'utf8');
        const shim = readFileSync(join(dir, `shim-${name}-${i}.out`), 'utf8').replaceAll(shimBin, '/usr/lib/llvm-21/bin');
        expect(shim, `${name} ${calls[i]!.join(' ')}`).toBe(bare);
      }
    }
    expect(readFileSync(join(dir, 'shim-clang++-0.out'), 'utf8')).toContain("clang++: error: no such file or directory: 'missing.cpp'");
  }, 300_000);
});
