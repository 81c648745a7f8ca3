import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyProject, objectsUnder } from '../helpers/hip-objects.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { cleanRebuildStats, cleanRebuildSteps, cuidsOf, LAB_BUILD_TIMEOUT, runLabBuild, symbolsOf, takeCallLog, type LabCache } from './lab-builds.js';

// One directory for the file, removed when it ends (its hook registered here, at the top level).
const root = makeTempDir('hcl-lab-cmake-hip-');

// CMake's HIP language on clang-21 (where upstream sends users now that hipcc
// is deprecated), with CMAKE_HIP_COMPILER_LAUNCHER=<launcher>: a static
// library, an RDC library and executable, and an OBJECT library of device-only
// code objects. Built uncached (the reference), then cached, then from a clean
// tree. CMake 4.3 does not add -fgpu-rdc for HIP_SEPARABLE_COMPILATION on
// clang, so the RDC targets say it themselves, as real projects do.
const CMAKE_LISTS = [
  'cmake_minimum_required(VERSION 3.21)',
  'project(hcl_hip LANGUAGES CXX HIP)',
  'set(CMAKE_HIP_ARCHITECTURES gfx90a)',
  'add_library(kernels STATIC scale.hip offset.hip)',
  'add_library(twice STATIC twice_device.hip twice_kernel.hip)',
  'set_target_properties(twice PROPERTIES HIP_SEPARABLE_COMPILATION ON)',
  'target_compile_options(twice PRIVATE -fgpu-rdc)',
  'add_executable(app main.hip)',
  'target_compile_definitions(app PRIVATE HCL_RDC)',
  'set_target_properties(app PROPERTIES HIP_SEPARABLE_COMPILATION ON)',
  'target_compile_options(app PRIVATE -fgpu-rdc)',
  'target_link_options(app PRIVATE -fgpu-rdc --hip-link)',
  'target_link_libraries(app PRIVATE kernels twice)',
  'add_library(codeobjects OBJECT scale.hip offset.hip)',
  'target_compile_options(codeobjects PRIVATE --offload-device-only)',
  '',
].join('\n');

// Compiles a cache can store, and the device-only ones with a depfile (Ninja's
// -MD) that the launcher sends straight to clang: clang writes no depfile for
// them, so sccache fails such a compile and ccache stores nothing.
const CACHED = 5;
const DIRECT = ['CMakeFiles/codeobjects.dir/offset.hip.o', 'CMakeFiles/codeobjects.dir/scale.hip.o'];

describe.each<LabCache>(['ccache', 'sccache'])('CMake HIP language, clang-21, CMAKE_HIP_COMPILER_LAUNCHER=launcher, %s (lab)', (cache) => {
  it('every target builds, the RDC link succeeds, a clean rebuild hits every compile a cache can store, objects as uncached', () => {
    const dir = mkdtempSync(join(root, `${cache}-`));
    const src = join(dir, 'src');
    mkdirSync(src);
    copyProject(src);
    renameSync(join(src, 'main.cpp'), join(src, 'main.hip'));
    writeFileSync(join(src, 'CMakeLists.txt'), CMAKE_LISTS);
    const configure = (build: string, extra: string) =>
      `cmake -S src -B ${build} -G Ninja -DCMAKE_HIP_COMPILER=clang++-21 -DCMAKE_CXX_COMPILER=clang++-21 ${extra} >/dev/null`;
    runLabBuild(
      dir,
      cache,
      [
        configure('plain', ''),
        'cmake --build plain >/dev/null',
        configure('cached', '-DCMAKE_HIP_COMPILER_LAUNCHER="$LAUNCHER"'),
        ': > calls.jsonl',
        ...cleanRebuildSteps('cached', 'cp calls.jsonl cold-calls.jsonl && : > calls.jsonl'),
      ].join('\n'),
    );
    const { configured, cold, warm } = cleanRebuildStats(dir, cache);
    expect(cold.misses - configured.misses).toBe(CACHED);
    expect(warm.hits - cold.hits).toBe(CACHED);
    expect(warm.misses).toBe(cold.misses);

    // What went direct, and why: the device-only compiles with a depfile, each build.
    const coldCalls = readFileSync(join(dir, 'cold-calls.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { route: string; reason: string });
    for (const calls of [coldCalls, takeCallLog(dir)]) {
      const direct = calls.filter((c) => c.route === 'direct');
      expect(direct).toHaveLength(DIRECT.length);
      for (const c of direct) expect(c.reason).toContain('clang (newer than 15) writes no depfile for a device-only compile');
      expect(calls.filter((c) => c.route === 'cache')).toHaveLength(CACHED);
    }

    const reference = objectsUnder(join(dir, 'plain'));
    const cached = objectsUnder(join(dir, 'cached'));
    expect([...cached.keys()].sort()).toEqual([...reference.keys()].sort());
    expect(reference.size).toBe(CACHED + DIRECT.length);
    const cuids: string[] = [];
    for (const [name, bytes] of cached) {
      if (DIRECT.includes(name)) {
        // Compiled directly in both builds: the same bytes.
        expect(bytes.equals(reference.get(name)!), name).toBe(true);
        continue;
      }
      expect(symbolsOf(join(dir, 'cached', name)), name).toBe(symbolsOf(join(dir, 'plain', name)));
      cuids.push(...cuidsOf(join(dir, 'cached', name)));
    }
    // Every cached object has its own __hip_cuid_, so the RDC link could not collide.
    expect(cuids).toHaveLength(CACHED);
    expect(new Set(cuids).size).toBe(CACHED);
    expect(readFileSync(join(dir, 'app.out'), 'utf8')).toBe('hip-project ran: all kernels present\n');
  }, LAB_BUILD_TIMEOUT);
});
