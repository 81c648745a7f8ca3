import { describe, expect, it } from 'vitest';
import { parseCall } from '../../src/launcher/parse-call.js';

// The one parser: each spelling clang accepts, joined and separate.
describe('parseCall', () => {
  it('reads a CMake-style HIP compile', () => {
    const call = parseCall('/usr/lib/llvm-21/bin/clang++', [
      '-DX=1', '-I/src/inc', '-O2', '--offload-arch=gfx90a', '--offload-arch=gfx1100', '-fgpu-rdc',
      '-MD', '-MT', 'k.o', '-MF', 'k.o.d', '-o', 'CMakeFiles/t.dir/k.hip.o', '-x', 'hip', '-c', '/src/k.hip',
    ]);
    expect(call).toMatchObject({
      driver: 'clang',
      mode: 'compile',
      inputs: [{ file: '/src/k.hip', language: 'hip' }],
      output: 'CMakeFiles/t.dir/k.hip.o',
      offload: true,
      offloadArchs: ['gfx90a', 'gfx1100'],
      offloadMode: 'both',
      rdc: true,
      depfile: true,
      depfileOutput: 'k.o.d',
      explicitCuid: undefined,
    });
  });

  it('tells HIP from C++ as clang does: -x (until -x none), then the extension', () => {
    expect(parseCall('clang++', ['-c', 'a.cpp']).offload).toBe(false);
    expect(parseCall('clang++', ['-c', 'a.hip']).offload).toBe(true);
    expect(parseCall('clang++', ['-c', 'a.cu']).offload).toBe(true);
    expect(parseCall('clang++', ['-xhip', '-c', 'a.cpp']).offload).toBe(true);
    expect(parseCall('clang++', ['--language=hip', '-c', 'a.cpp']).offload).toBe(true);
    expect(parseCall('clang++', ['-x', 'hip', '-x', 'none', '-c', 'a.cpp']).offload).toBe(false);
    // --offload-arch on C++ is an unused argument to clang, not a HIP compile.
    expect(parseCall('clang++', ['--offload-arch=gfx90a', '-c', 'a.cpp']).offload).toBe(false);
    // A value of a separate-value flag is never an input.
    expect(parseCall('clang++', ['-include', 'x.hip', '-c', 'a.cpp']).inputs).toEqual([{ file: 'a.cpp', language: 'c++' }]);
  });

  it('reads each spelling of output, arch, cuid, offload mode, compression and depfile', () => {
    expect(parseCall('clang', ['-c', 'a.hip', '-oout.o']).output).toBe('out.o');
    expect(parseCall('clang', ['-c', 'a.hip', '--output=out.o']).output).toBe('out.o');
    expect(parseCall('clang', ['-c', 'a.hip', '--output', 'out.o']).output).toBe('out.o');
    expect(parseCall('clang', ['-c', 'a.hip', '--offload-arch', 'gfx90a', '--cuda-gpu-arch=gfx942']).offloadArchs).toEqual(['gfx90a', 'gfx942']);
    expect(parseCall('clang', ['-c', 'a.hip', '--offload-arch=gfx90a,gfx942']).offloadArchs).toEqual(['gfx90a', 'gfx942']);
    expect(parseCall('clang', ['-c', 'a.hip', '-cuid=abc']).explicitCuid).toBe('-cuid=abc');
    expect(parseCall('clang', ['-c', 'a.hip', '-fuse-cuid=none']).explicitCuid).toBe('-fuse-cuid=none');
    expect(parseCall('clang', ['-c', 'a.hip', '--cuda-device-only']).offloadMode).toBe('device-only');
    expect(parseCall('clang', ['-c', 'a.hip', '--offload-device-only']).offloadMode).toBe('device-only');
    expect(parseCall('clang', ['-c', 'a.hip', '--offload-host-only']).offloadMode).toBe('host-only');
    expect(parseCall('clang', ['-c', 'a.hip', '-fgpu-rdc', '-fno-gpu-rdc']).rdc).toBe(false);
    expect(parseCall('clang', ['-c', 'a.hip', '--offload-compress']).offloadCompress).toBe(true);
    expect(parseCall('clang', ['-c', 'a.hip', '-MMD', '-MFdeps.d']).depfileOutput).toBe('deps.d');
    expect(parseCall('clang', ['-c', 'a.hip', '-save-temps=obj']).saveTemps).toBe(true);
    expect(parseCall('clang', ['-c', 'a.hip', '-emit-llvm']).emitLlvm).toBe(true);
  });

  it('knows the mode: probe, compile, assemble, preprocess, link, response file', () => {
    expect(parseCall('clang', ['--version']).mode).toBe('probe');
    expect(parseCall('clang', ['-print-resource-dir']).mode).toBe('probe');
    expect(parseCall('clang', ['-v']).mode).toBe('probe');
    expect(parseCall('clang', ['-v', '-c', 'a.c']).mode).toBe('compile');
    expect(parseCall('clang', ['-S', 'a.c']).mode).toBe('assemble');
    expect(parseCall('clang', ['-E', '-c', 'a.c']).mode).toBe('preprocess');
    expect(parseCall('clang', ['-M', 'a.c']).mode).toBe('preprocess');
    expect(parseCall('clang', ['a.o', 'b.o', '-o', 'prog']).mode).toBe('link');
    expect(parseCall('clang', []).mode).toBe('none');
    expect(parseCall('clang', ['@args.rsp']).mode).toBe('unknown');
  });

  it('knows hipcc by name', () => {
    for (const name of ['/opt/rocm/bin/hipcc', 'hipcc.bin', 'C:\\rocm\\bin\\hipcc.exe', 'hipcc.pl']) expect(parseCall(name, []).driver).toBe('hipcc');
    expect(parseCall('/usr/bin/clang++-15', []).driver).toBe('clang');
  });

  it('reads where the device libraries come from, in each spelling', () => {
    const call = parseCall('clang++', ['--hip-device-lib-path=/a', '--rocm-device-lib-path=/b', '--rocm-path=/r1', '--rocm-path', '/r2', '-x', 'hip', '-c', 'k.hip']);
    expect(call.deviceLibPaths).toEqual(['/a', '/b']);
    expect(call.rocmPath).toBe('/r2');
    expect(call.inputs).toEqual([{ file: 'k.hip', language: 'hip' }]);
  });
});
