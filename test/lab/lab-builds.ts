import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parseCcacheStats, parseSccacheStats } from '../helpers/caches.js';
import { copyProject } from '../helpers/hip-objects.js';
import { runInLab, runInLabAsync, type LabOptions } from '../helpers/lab.js';
import { built, repoRoot } from '../helpers/tools.js';

// Real builds in the sid lab through the built launcher. A build runs as one
// shell script in one lab call (sccache's server lives in that call's
// namespace), writing what the test reads back into the bound work directory:
// `stats NAME` saves the cache's statistics as NAME.stats.

export type LabCache = 'ccache' | 'sccache';

// A lab build compiles a dozen HIP files on two shared cores, three times over.
export const LAB_BUILD_TIMEOUT = 900_000;

const dist = join(repoRoot, 'dist/linux-x64');
let nextPort = 23000 + (process.pid % 1000) * 4;

function cacheFunctions(cache: LabCache): string {
  return cache === 'ccache'
    ? ['start_cache() { :; }', 'stop_cache() { :; }', 'stats() { ccache --print-stats > "$W/$1.stats"; }'].join('\n')
    : [
        'start_cache() { sccache --start-server >/dev/null; }',
        'stop_cache() { sccache --stop-server >/dev/null 2>&1 || true; }',
        'stats() { sccache --show-stats --stats-format json > "$W/$1.stats"; }',
      ].join('\n');
}

function cacheEnv(cache: LabCache, dir: string): Record<string, string> {
  return cache === 'ccache'
    ? { CCACHE_DIR: join(dir, 'ccache') }
    : { SCCACHE_DIR: join(dir, 'sccache'), SCCACHE_SERVER_PORT: String(nextPort++), SCCACHE_IDLE_TIMEOUT: '0' };
}

// Runs `body` (sh) in the lab with the cache's server up around it; fails the test on a non-zero exit.
// Whole calls (HIP_CLANG_LAUNCHER_SPLIT=off), for tests that count one cache
// lookup per compile: the split (on by default, test/lab/split.test.ts) adds
// one per part.
export const WHOLE_CALLS = { HIP_CLANG_LAUNCHER_SPLIT: 'off' };

// The lab call of a build: `body` (sh) in dir with the cache's server up around it.
// `readOnly`: more host paths bound read-only (sources); `writable`: more bound writable (a
// directory several test files share).
function labBuild(dir: string, cache: LabCache, body: string, env: Record<string, string>, readOnly: string[], writable: string[]): [string[], LabOptions] {
  const script = join(dir, `build-${Date.now()}-${nextScript++}.sh`);
  writeFileSync(script, ['set -e', cacheFunctions(cache), 'cd "$W"', 'start_cache', 'trap stop_cache EXIT', body, ''].join('\n'));
  return [
    ['sh', script],
    {
      binds: [{ host: dist, readOnly: true }, ...readOnly.map((host) => ({ host, readOnly: true })), ...writable, dir],
      cwd: dir,
      env: {
        W: dir,
        LAUNCHER: built.linux,
        HIP_CLANG_LAUNCHER_CACHE: cache,
        HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'),
        HIP_CLANG_LAUNCHER_LOG: join(dir, 'calls.jsonl'),
        ...cacheEnv(cache, dir),
        ...env,
      },
      timeout: 900_000,
    },
  ];
}
let nextScript = 0;

// Runs a build (see labBuild); fails the test on a non-zero exit.
export function runLabBuild(dir: string, cache: LabCache, body: string, env: Record<string, string> = {}, readOnly: string[] = [], writable: string[] = []): string {
  const r = runInLab(...labBuild(dir, cache, body, env, readOnly, writable));
  expect(r.status, `${r.stdout.toString()}\n${r.stderr}`).toBe(0);
  return r.stdout.toString('utf8');
}

// The same without blocking the test worker, so other work runs meanwhile.
export async function runLabBuildAsync(dir: string, cache: LabCache, body: string, env: Record<string, string> = {}, readOnly: string[] = [], writable: string[] = []): Promise<string> {
  const r = await runInLabAsync(...labBuild(dir, cache, body, env, readOnly, writable));
  expect(r.status, `${r.stdout.toString()}\n${r.stderr}`).toBe(0);
  return r.stdout.toString('utf8');
}

export function statsOf(dir: string, cache: LabCache, name: string): { hits: number; misses: number } {
  const text = readFileSync(join(dir, `${name}.stats`), 'utf8');
  const { hits, misses } = cache === 'ccache' ? parseCcacheStats(text) : parseSccacheStats(text);
  return { hits, misses };
}

// A configured CMake build dir built, cleaned and rebuilt, the cache's statistics
// saved before, between and after; `afterCold` runs between the two builds.
export function cleanRebuildSteps(build: string, afterCold = ':'): string[] {
  return [
    'stats configured',
    `cmake --build ${build} >/dev/null`,
    'stats cold',
    afterCold,
    `cmake --build ${build} --target clean >/dev/null`,
    `cmake --build ${build} >/dev/null`,
    'stats warm',
    `./${build}/app > app.out`,
  ];
}

export function cleanRebuildStats(dir: string, cache: LabCache): Record<'configured' | 'cold' | 'warm', { hits: number; misses: number }> {
  return { configured: statsOf(dir, cache, 'configured'), cold: statsOf(dir, cache, 'cold'), warm: statsOf(dir, cache, 'warm') };
}

export interface CallRecord {
  compiler: string;
  route: string;
  reason: string;
}

// The launcher's call log so far, emptied for the next step.
export function takeCallLog(dir: string): CallRecord[] {
  const file = join(dir, 'calls.jsonl');
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  writeFileSync(file, '');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as CallRecord);
}

// A copy of the lab's /usr/lib/llvm-21 with the shim installed for clang,
// clang++ and clang-21: the real clang copied (it must live in the bin it
// runs from), every other tool and lib/ linked to the lab's own.
export function shimmedLlvm21(dir: string): string {
  const llvm = join(dir, 'llvm-21');
  const script = [
    'set -e',
    `mkdir -p "${llvm}/bin"`,
    'for f in /usr/lib/llvm-21/bin/*; do',
    '  n=${f##*/}',
    '  case $n in',
    `    clang|clang++|clang-21|clang-cpp|clang-cl) cp -a "$f" "${llvm}/bin/$n" ;;`,
    `    *) ln -s "$f" "${llvm}/bin/$n" ;;`,
    '  esac',
    'done',
    `ln -s /usr/lib/llvm-21/lib "${llvm}/lib"`,
    `"${built.linux}" install "${llvm}" --names clang,clang++,clang-21`,
  ].join('\n');
  const r = runInLab(['sh', '-c', script], { binds: [{ host: dist, readOnly: true }, dir] });
  expect(r.status, r.stderr).toBe(0);
  return join(llvm, 'bin');
}

// A host object's symbols with clang-21's per-object id masked (in __hip_cuid_,
// __hip_gpubin_handle_ and, for -fgpu-rdc, __hip_fatbin_): it comes from the
// command line (ours adds -cuid=), everything else must match an uncached compile's.
export function symbolsOf(file: string): string {
  return execFileSync('nm', ['--format=posix', file], { encoding: 'utf8' }).replace(/(__hip_cuid_|__hip_gpubin_handle_|__hip_fatbin_)[0-9a-f]+/g, '$1');
}

export function cuidsOf(file: string): string[] {
  return [...execFileSync('nm', [file], { encoding: 'utf8' }).matchAll(/ (__hip_cuid_[0-9a-f]+)$/gm)].map((m) => m[1]!);
}

// The lab's CMake HIP-language project (clang-21, where upstream sends users
// now that hipcc is deprecated): a static library, an RDC library and
// executable, and an OBJECT library of device-only code objects. CMake 4.3 does not add -fgpu-rdc for HIP_SEPARABLE_COMPILATION on
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
export const CACHED = 5;
export const DIRECT = ['CMakeFiles/codeobjects.dir/offset.hip.o', 'CMakeFiles/codeobjects.dir/scale.hip.o'];

// Shell functions that let later configures of one project with the same compilers skip
// CMake's compiler checks (the compiler id, ABI and linker probes: about 3 s of clang per
// configure in the lab), as CMake itself does when it re-runs in a configured tree:
// - `cmake_seed BUILD SEED`: from a configured BUILD, its CMakeFiles/<version>/*.cmake (the
//   system and compiler files CMake reads instead of probing) and an initial cache (-C) of
//   its cache entries, less those naming the build or source dir (CMAKE_CACHEFILE_DIR,
//   CMAKE_HOME_DIRECTORY, the project's STATIC ones), the "advanced" marks, and those given
//   on the command line (type UNINITIALIZED), which each configure gives again;
// - `cmake_seeded SEED BUILD CMAKE-ARGS...`: configures BUILD from SEED.
// What a seeded configure generates is what a re-run of CMake in an existing tree generates:
// the same compile commands (tests compare them with `cmake_compiles`); only the link of an
// executable loses the linker's --dependency-file (and build.ninja names fewer CMake modules
// to re-run on), as on any re-run of CMake 4.3 in a tree (checked by hand; no test reads that depfile).
export const CMAKE_SEED = [
  'cmake_seed() {',
  '  _v=$(cd "$1/CMakeFiles" && ls -d [0-9]*.[0-9]*)',
  '  mkdir -p "$2/files/$_v"; cp "$1/CMakeFiles/$_v/"*.cmake "$2/files/$_v/"',
  '  grep -E \'^[A-Za-z_][A-Za-z0-9_]*:(BOOL|FILEPATH|PATH|STRING|INTERNAL)=\' "$1/CMakeCache.txt" | grep -vE \'^CMAKE_(CACHEFILE_DIR|HOME_DIRECTORY):\' |',
  '    sed -e \'s/[\\\\"$]/\\\\&/g\' -e \'s/^\\([^:]*\\):\\([A-Z]*\\)=\\(.*\\)$/set(\\1 "\\3" CACHE \\2 "")/\' > "$2/initial-cache.cmake"',
  '}',
  'cmake_seeded() { _seed=$1 _build=$2; shift 2; mkdir -p "$_build/CMakeFiles"; cp -r "$_seed/files/." "$_build/CMakeFiles/"; "$@" -C "$_seed/initial-cache.cmake" -B "$_build"; }',
  // The compile commands of a configured build dir, in order, its own path as <build>.
  'cmake_compiles() { ninja -C "$1" -t commands | grep -e " -c " | sed "s|$1|<build>|g"; }',
].join('\n');

// The project (test/fixtures/hip-project with that CMakeLists.txt) written to dir.
export function writeCmakeHipProject(dir: string): void {
  mkdirSync(dir, { recursive: true });
  copyProject(dir);
  renameSync(join(dir, 'main.cpp'), join(dir, 'main.hip'));
  writeFileSync(join(dir, 'CMakeLists.txt'), CMAKE_LISTS);
}
