import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ccacheEnv, ccacheStats, statsSince } from '../helpers/caches.js';
import { copyProject, objectsUnder, writeHipccCmakeProject } from '../helpers/hip-objects.js';
import { run } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built } from '../helpers/tools.js';
import { buildHipcc, hipccEnv } from '../patch/hipcc-builds.js';

// One directory for the file, removed when it ends (its hook registered here, at the top level).
const root = makeTempDir('hcl-routes-builds-');

// hipcc as the compiler behind the launcher, the way build systems run it:
// CMake's CMAKE_CXX_COMPILER=hipcc with CMAKE_CXX_COMPILER_LAUNCHER, a
// Makefile's HIPCXX="<launcher> hipcc" building an RDC device library, and
// the ninja file torch.utils.cpp_extension writes with PYTORCH_NVCC. Each
// builds once uncached (the reference objects), then cached, then again from
// a clean tree: the rebuild must be all hits and every object the reference's.
const ARCH = '--offload-arch=gfx90a';

// The objects that differ from the reference build's: each is a wrong object.
function differing(reference: Map<string, Buffer>, now: Map<string, Buffer>): string[] {
  expect([...now.keys()].sort()).toEqual([...reference.keys()].sort());
  return [...reference].filter(([name, bytes]) => !now.get(name)!.equals(bytes)).map(([name]) => name);
}

describe('hipcc (patched 7.0.2) behind the launcher in real build systems, ccache (built executable)', () => {
  let hipcc: string;
  beforeAll(() => {
    hipcc = buildHipcc('patched');
  });

  it('CMake: CMAKE_CXX_COMPILER=hipcc, CMAKE_CXX_COMPILER_LAUNCHER=launcher: a clean rebuild is all hits, objects as uncached, the program runs', () => {
    const dir = mkdtempSync(join(root, 'cmake-hipcc-'));
    const src = join(dir, 'src');
    writeHipccCmakeProject(src);
    const cache = ccacheEnv(dir);
    const env = hipccEnv({ HIP_CLANG_LAUNCHER_CACHE: 'ccache', HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'), ...cache });
    const cmake = (args: string[]) => execFileSync('cmake', args, { env, cwd: dir, stdio: 'pipe' });
    const configure = (build: string, launcher: string[]) =>
      cmake(['-S', src, '-B', build, '-G', 'Ninja', `-DCMAKE_CXX_COMPILER=${hipcc}`, `-DCMAKE_CXX_FLAGS=${ARCH}`, ...launcher]);

    configure(join(dir, 'plain'), []);
    cmake(['--build', join(dir, 'plain')]);
    const reference = objectsUnder(join(dir, 'plain'));
    expect(reference.size).toBe(3);

    const build = join(dir, 'cached');
    configure(build, [`-DCMAKE_CXX_COMPILER_LAUNCHER=${built.linux}`]);
    const before = ccacheStats(cache);
    cmake(['--build', build]);
    const cold = ccacheStats(cache);
    // Three compiles missed (split per arch by default: their parts too).
    expect(cold.misses - before.misses).toBeGreaterThanOrEqual(3);
    expect(differing(reference, objectsUnder(build))).toEqual([]);
    cmake(['--build', build, '--target', 'clean']);
    cmake(['--build', build]);
    const warm = ccacheStats(cache);
    expect(warm.hits - cold.hits).toBe(3);
    expect(warm.misses).toBe(cold.misses);
    expect(differing(reference, objectsUnder(build))).toEqual([]);
    expect(execFileSync(join(build, 'app'), { encoding: 'utf8' })).toBe('hip-project ran: all kernels present\n');
  });

  it('Makefile: HIPCXX="<launcher> hipcc" builds an RDC static device library and links it (--hip-link); a clean rebuild is all hits', () => {
    const dir = mkdtempSync(join(root, 'make-rdc-'));
    copyProject(dir);
    writeFileSync(
      join(dir, 'Makefile'),
      [
        'HIPCXX ?= hipcc',
        `HIPFLAGS = ${ARCH} -fgpu-rdc`,
        'OBJS = scale.o twice_kernel.o main.o',
        'app: $(OBJS) libdev.a',
        '\t$(HIPCXX) $(HIPFLAGS) --hip-link $(OBJS) -L. -ldev -o $@',
        'libdev.a: twice_device.o offset.o',
        '\tar rcs $@ $^',
        '%.o: %.hip',
        '\t$(HIPCXX) $(HIPFLAGS) -c $< -o $@',
        'main.o: main.cpp',
        '\t$(HIPCXX) $(HIPFLAGS) -DHCL_RDC -c $< -o $@',
        'clean:',
        '\trm -f *.o *.a app',
        '',
      ].join('\n'),
    );
    const cache = ccacheEnv(dir);
    // `hipcc` by bare name, found on PATH as a build would.
    const env = hipccEnv({ PATH: `${dirname(hipcc)}:${process.env.PATH}`, HIP_CLANG_LAUNCHER_CACHE: 'ccache', HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'), ...cache });
    const make = (...args: string[]) => {
      const r = run('make', ['-j2', ...args], { cwd: dir, env });
      expect(r.status, r.stderr).toBe(0);
    };
    const app = () => execFileSync(join(dir, 'app'), { encoding: 'utf8' });

    make();
    expect(app()).toBe('hip-project ran: all kernels present\n');
    const reference = objectsUnder(dir);
    expect(reference.size).toBe(5);
    make('clean');
    const withLauncher = `HIPCXX=${built.linux} hipcc`;
    make(withLauncher);
    const cold = ccacheStats(cache);
    // Five compiles missed (split per arch by default: their parts too); the rebuild is five hits.
    expect(cold.hits).toBe(0);
    expect(cold.misses).toBeGreaterThanOrEqual(5);
    expect(differing(reference, objectsUnder(dir))).toEqual([]);
    make('clean');
    make(withLauncher);
    expect(statsSince(cold, ccacheStats(cache))).toEqual({ hits: 5, misses: 0 });
    expect(differing(reference, objectsUnder(dir))).toEqual([]);
    expect(app()).toBe('hip-project ran: all kernels present\n');
  });

  it('PyTorch extension: the ninja file torch.utils.cpp_extension writes, with PYTORCH_NVCC="<launcher> <hipcc>": a clean rebuild hits', () => {
    const dir = mkdtempSync(join(root, 'torch-ninja-'));
    copyProject(dir);
    const cache = ccacheEnv(dir);
    const env = hipccEnv({ HIP_CLANG_LAUNCHER_CACHE: 'ccache', HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'), ...cache });
    // The shape of _write_ninja_file for a HIP extension: nvcc is ROCm's hipcc,
    // nvcc_from_env is PYTORCH_NVCC verbatim (or nvcc), run by the shell with
    // $cuda_cflags before and $cuda_post_cflags after; no depfile on ROCm.
    const writeNinja = (nvccFromEnv: string) =>
      writeFileSync(
        join(dir, 'build.ninja'),
        [
          'ninja_required_version = 1.3',
          'cxx = c++',
          `nvcc_from_env = ${nvccFromEnv}`,
          `nvcc = ${hipcc}`,
          '',
          `cflags = -DTORCH_EXTENSION_NAME=hcl_ext -I${dir}`,
          'post_cflags = -fPIC -std=c++17 -DCUDA_HAS_FP16=1 -D__HIP_NO_HALF_OPERATORS__=1 -D__HIP_NO_HALF_CONVERSIONS__=1',
          `cuda_cflags = -DTORCH_EXTENSION_NAME=hcl_ext -I${dir}`,
          `cuda_post_cflags = -fPIC -D__HIP_PLATFORM_AMD__=1 -DUSE_ROCM=1 -DHIPBLAS_V2 -DCUDA_HAS_FP16=1 -D__HIP_NO_HALF_OPERATORS__=1 -D__HIP_NO_HALF_CONVERSIONS__=1 ${ARCH} -fno-gpu-rdc -std=c++17`,
          'cuda_dlink_post_cflags = ',
          `ldflags = -shared -L/usr/lib/x86_64-linux-gnu -lamdhip64`,
          '',
          'rule compile',
          '  command = $cxx -MMD -MF $out.d $cflags -c $in -o $out $post_cflags',
          '  depfile = $out.d',
          '  deps = gcc',
          '',
          'rule cuda_compile',
          '  command = $nvcc_from_env  $cuda_cflags -c $in -o $out $cuda_post_cflags',
          '',
          'rule link',
          '  command = $cxx $in $ldflags -o $out',
          '',
          `build ${dir}/build/scale.cuda.o: cuda_compile ${dir}/scale.hip`,
          `build ${dir}/build/offset.cuda.o: cuda_compile ${dir}/offset.hip`,
          `build ${dir}/build/main.o: compile ${dir}/main.cpp`,
          '',
          `build hcl_ext.so: link ${dir}/build/scale.cuda.o ${dir}/build/offset.cuda.o ${dir}/build/main.o`,
          '',
          'default hcl_ext.so',
          '',
        ].join('\n'),
      );
    const ninja = (...args: string[]) => {
      const r = run('ninja', ['-j2', ...args], { cwd: dir, env });
      expect(r.status, r.stdout.toString()).toBe(0);
    };
    writeNinja(hipcc);
    ninja();
    const reference = objectsUnder(join(dir, 'build'));
    expect(reference.size).toBe(3);
    ninja('-t', 'clean');
    writeNinja(`${built.linux} ${hipcc}`);
    ninja();
    const cold = ccacheStats(cache);
    expect(cold.hits).toBe(0);
    expect(cold.misses).toBeGreaterThanOrEqual(2);
    expect(differing(reference, objectsUnder(join(dir, 'build')))).toEqual([]);
    ninja('-t', 'clean');
    ninja();
    expect(statsSince(cold, ccacheStats(cache))).toEqual({ hits: 2, misses: 0 });
    expect(differing(reference, objectsUnder(join(dir, 'build')))).toEqual([]);
    expect(execFileSync('nm', ['-D', '--defined-only', join(dir, 'hcl_ext.so')], { encoding: 'utf8' })).toContain(' hcl_scale_present\n');
  });
});
