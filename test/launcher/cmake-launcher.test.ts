import { execFileSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ccacheEnv, ccacheStats } from '../helpers/caches.js';
import { cleanEnv } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, repoRoot, tools } from '../helpers/tools.js';

// CMake runs `<launcher> <compiler> <args>` itself (CMAKE_<LANG>_COMPILER_LAUNCHER):
// a real CMake + Ninja build through the built launcher into a real ccache.
describe('as CMake compiler launcher (built executable)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    dir = makeTempDir('hcl-cmake-');
    copyFileSync(join(repoRoot, 'test/fixtures/plain.cpp'), join(dir, 'plain.cpp'));
    writeFileSync(join(dir, 'main.cpp'), '#include <vector>\nint sum(const std::vector<int>&);\nint main() { return sum({1, 2, 3}) == 6 ? 0 : 1; }\n');
    writeFileSync(
      join(dir, 'CMakeLists.txt'),
      'cmake_minimum_required(VERSION 3.21)\nproject(demo LANGUAGES CXX)\nadd_executable(app main.cpp plain.cpp)\n',
    );
    env = cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'ccache', ...ccacheEnv(dir) });
  });

  it('builds, then rebuilds from a clean tree entirely from the cache, and the program runs', () => {
    const build = join(dir, 'build');
    const cmake = (args: string[]) => execFileSync('cmake', args, { env, cwd: dir, stdio: 'pipe' });
    cmake(['-S', dir, '-B', build, '-G', 'Ninja', `-DCMAKE_CXX_COMPILER=${tools.clangxx}`, `-DCMAKE_CXX_COMPILER_LAUNCHER=${built.linux}`]);
    const before = ccacheStats(env as Record<string, string>);
    cmake(['--build', build]);
    const cold = ccacheStats(env as Record<string, string>);
    expect(cold.misses - before.misses).toBe(2);
    cmake(['--build', build, '--target', 'clean']);
    cmake(['--build', build]);
    const warm = ccacheStats(env as Record<string, string>);
    expect(warm.hits - cold.hits).toBe(2);
    expect(warm.misses).toBe(cold.misses);
    execFileSync(join(build, 'app'));
  });
});
