import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { built, repoRoot, tools } from './tools.js';

// Small real HIP projects, written into a directory (one checkout each), and
// built the ways users build HIP: CMake's HIP language and hipcc.

// The device libraries as CMake's and a direct clang call name them here (Debian's clang-15 has no default).
export const hipDeviceFlags = ['--rocm-path=/usr', `--rocm-device-lib-path=${tools.deviceLibPath}`];

// ccache turns direct mode (and with it depend mode) off for a compile during
// which an include file's ctime moves: a hard link made to a header anywhere
// on the machine moves it. The suite's own trees no longer link headers
// (test/shim/trees.ts, linkLlvmTree: hard-linked trees of the whole llvm
// directory did, and cost hits in other files), but tests that count hits keep
// this, as the bench does: the machine may be shared.
export const SHARED_MACHINE_CCACHE = { CCACHE_SLOPPINESS: 'include_file_ctime' };

export function writeHipProject(dir: string): void {
  mkdirSync(join(dir, 'inc'), { recursive: true });
  copyFileSync(join(repoRoot, 'test/fixtures/hip/saxpy.hip'), join(dir, 'saxpy.hip'));
  writeFileSync(join(dir, 'inc', 'scale.h'), '#pragma once\n#define SCALE 3.0f\n');
  writeFileSync(
    join(dir, 'scale.hip'),
    '#include <hip/hip_runtime.h>\n#include "scale.h"\n__global__ void scale(float* x, int n) {\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < n) x[i] *= SCALE;\n}\n',
  );
  writeFileSync(
    join(dir, 'CMakeLists.txt'),
    [
      'cmake_minimum_required(VERSION 3.21)',
      'project(portable LANGUAGES HIP)',
      'add_library(kernels OBJECT saxpy.hip scale.hip)',
      'target_include_directories(kernels PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/inc)',
      '',
    ].join('\n'),
  );
}

// CMake 3.25 looks for hip-lang's package under <ROCm root>/lib/cmake; Debian
// keeps it under the multiarch directory. A root whose lib/cmake is that
// directory (and CMAKE_PREFIX_PATH, which CMake's try_compile projects see
// only from the environment) lets CMake's own HIP language configure.
export function debianRocmRoot(dir: string): string {
  const root = join(dir, 'rocm-root');
  mkdirSync(join(root, 'lib'), { recursive: true });
  symlinkSync('/usr/lib/x86_64-linux-gnu/cmake', join(root, 'lib', 'cmake'));
  return root;
}

// Configures and builds `checkout` with CMake's HIP language and the launcher
// (CMAKE_HIP_COMPILER_LAUNCHER), from a clean build directory.
export function cmakeHipBuild(checkout: string, rocmRoot: string, env: NodeJS.ProcessEnv, extraFlags: string[] = []): void {
  const build = join(checkout, 'build');
  const options = { env: { ...env, CMAKE_PREFIX_PATH: rocmRoot }, cwd: checkout, stdio: 'pipe' as const, timeout: 600_000 };
  execFileSync(
    'cmake',
    [
      '-S', checkout, '-B', build, '-G', 'Ninja', `-DCMAKE_HIP_COMPILER=${tools.clangxx}`, '-DCMAKE_HIP_ARCHITECTURES=gfx90a',
      `-DCMAKE_HIP_COMPILER_ROCM_ROOT=${rocmRoot}`, `-DCMAKE_HIP_FLAGS=${[...hipDeviceFlags, ...extraFlags].join(' ')}`,
      `-DCMAKE_HIP_COMPILER_LAUNCHER=${built.linux}`,
    ],
    options,
  );
  execFileSync('ninja', ['-C', build, 'clean'], options);
  execFileSync('ninja', ['-C', build, '-j', '2'], options);
}

export const cmakeObjects = (checkout: string) =>
  ['saxpy.hip.o', 'scale.hip.o'].map((name) => join(checkout, 'build', 'CMakeFiles', 'kernels.dir', name));

// `units` distinct HIP files and a Makefile compiling each through the
// launcher (make LAUNCHER=... OUT=...), with a -cuid of its own so that
// cached and uncached objects can be compared byte for byte. With
// GATE=<file> (make's command line or environment), the second half of the
// units starts compiling only once that file exists: a test makes an outage
// between the two halves by an event, not by how fast the machine compiles
// (see gatedBuildMiddle).
export function writeParallelProject(dir: string, units: number, compiler = tools.clangxx, flags = hipDeviceFlags): void {
  mkdirSync(join(dir, 'src'), { recursive: true });
  for (let i = 0; i < units; i++) {
    writeFileSync(join(dir, 'src', `unit${i}.hip`), `#include <hip/hip_runtime.h>\n__global__ void scale_${i}(float* x, int n) {\n  int j = blockIdx.x * blockDim.x + threadIdx.x;\n  if (j < n) x[j] *= ${i + 2}.0f;\n}\n`);
  }
  const gated = Array.from({ length: units }, (_, i) => i).filter((i) => i >= units / 2).map((i) => `unit${i}`);
  writeFileSync(
    join(dir, 'Makefile'),
    [
      'SRCS := $(wildcard src/*.hip)',
      'OBJS := $(SRCS:src/%.hip=$(OUT)/%.o)',
      `GATED := ${gated.join(' ')}`,
      'all: $(OBJS)',
      '$(OUT)/%.o: src/%.hip',
      '\t@mkdir -p $(OUT)',
      '\t@if [ -n "$(GATE)" ] && [ -n "$(filter $*,$(GATED))" ]; then while [ ! -e "$(GATE)" ]; do sleep 0.05; done; fi',
      `\t$(LAUNCHER) ${compiler} -x hip --offload-arch=gfx90a ${flags.join(' ')} -O2 -cuid=$* -c $< -o $@`,
      '',
    ].join('\n'),
  );
}

// The middle of a gated build (writeParallelProject, make GATE=<gate>): once
// the first object of the ungated half exists, with the gated half not yet
// started, `middle` runs (an outage), then the gate opens. Resolves to the
// number of objects that existed when `middle` ran. Waits on events only: an
// object, or the build ending (then it fails); no bound on elapsed time (the
// test's own timeout is the backstop against a hang).
export async function gatedBuildMiddle(out: string, gate: string, build: Promise<unknown>, middle: () => void): Promise<number> {
  let ended = false;
  void build.then(() => (ended = true), () => (ended = true));
  const objects = () => (existsSync(out) ? readdirSync(out).filter((f) => f.endsWith('.o')).length : 0);
  while (objects() === 0 && !ended) await new Promise((r) => setTimeout(r, 20));
  if (ended && objects() === 0) throw new Error(`the build ended before writing any object to ${out}`);
  const done = objects();
  middle();
  writeFileSync(gate, '');
  return done;
}
