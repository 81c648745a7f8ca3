// The adversarial HIP cache-correctness corpus, as data. Each case is a small
// build (compiles, maybe a link) over the files in ./sources, built three
// times by every route: cold (empty cache), warm (outputs removed, same
// inputs: a legitimate rebuild that should hit), and, where the case has a
// `change`, once more after it (a header edit, a -D or an --offload-arch
// change) where a hit would be stale.
//
// `shape` names the compile shape the case stands for in the offload-mode
// matrix. Compile args are the shape's own; run-corpus.mjs prefixes HIP
// compiles with `-x hip --offload-arch=gfx90a -O2 -nogpuinc` and the
// toolchain's own flags (Debian 12's clang-15 needs the ROCm paths).

const HEADER_V2 = '#define HEADER_VAL 2\n';
const depfile = (out) => ['-MD', '-MT', out, '-MF', `${out}.d`];

// Every offload mode that CMake and hipcc emit, each with and without a
// depfile as CMake and Ninja write it (-MD -MT <obj> -MF <obj>.d), each with a
// header changed between builds (mode-full is the plain header-change case).
const OFFLOAD_MODES = [
  { mode: 'full', args: ['-c'], out: 'kern.o' },
  { mode: 'device-only', args: ['--offload-device-only', '-c'], out: 'kern.dev.o' },
  { mode: 'cuda-device-only', args: ['--cuda-device-only', '-c'], out: 'kern.dev.o' },
  { mode: 'host-only', args: ['--offload-host-only', '-c'], out: 'kern.host.o' },
  { mode: 'asm', flag: '-S', args: ['-S'], out: 'kern.s' },
  { mode: 'emit-llvm', flag: '-emit-llvm', args: ['-emit-llvm', '-c'], out: 'kern.bc' },
  { mode: 'save-temps', flag: '-save-temps', args: ['-save-temps', '-c'], out: 'kern.o' },
  // What hipcc --genco runs: a linked code object, no -c.
  { mode: 'code-object', flag: 'code object (--genco)', args: ['--offload-device-only'], out: 'kern.co' },
];

const offloadModeCases = OFFLOAD_MODES.flatMap(({ mode, flag, args, out }) =>
  [false, true].map((withDep) => ({
    id: `mode-${mode}${withDep ? '-depfile' : ''}`,
    shape: `${flag ?? (mode === 'full' ? 'full -c' : `--${mode}`)}${withDep ? ' + depfile' : ''}`,
    title: `offload mode ${mode}${withDep ? ', with a depfile' : ''}; a header changed between builds`,
    files: ['mini_hip.h', 'config.h', 'kern.hip'],
    compiles: [{ lang: 'hip', args: [...args, 'kern.hip', '-o', out, ...(withDep ? depfile(out) : [])], out }],
    change: { edit: { 'config.h': HEADER_V2 } },
  })),
);

export const CASES = [
  {
    id: 'rdc-same-source',
    shape: '-fgpu-rdc (same source twice)',
    title: 'RDC: the same source compiled to two objects, linked together',
    files: ['mini_hip.h', 'config.h', 'kern.hip', 'main.hip'],
    compiles: [
      { lang: 'hip', args: ['-fgpu-rdc', '-c', 'kern.hip', '-o', 'a.o'], out: 'a.o' },
      { lang: 'hip', args: ['-fgpu-rdc', '-c', 'kern.hip', '-o', 'b.o'], out: 'b.o' },
      { lang: 'hip', args: ['-fgpu-rdc', '-c', 'main.hip', '-o', 'main.o'], out: 'main.o' },
    ],
    link: { args: ['-fgpu-rdc', '--hip-link', 'a.o', 'b.o', 'main.o', '-o', 'app'], out: 'app' },
  },
  {
    id: 'rdc-two-sources',
    shape: '-fgpu-rdc (two sources)',
    title: 'RDC: two sources, a device function called across them, linked',
    files: ['mini_hip.h', 'config.h', 'scale.hip', 'use.hip', 'main.hip'],
    compiles: [
      { lang: 'hip', args: ['-fgpu-rdc', '-c', 'scale.hip', '-o', 'scale.o'], out: 'scale.o' },
      { lang: 'hip', args: ['-fgpu-rdc', '-c', 'use.hip', '-o', 'use.o'], out: 'use.o' },
      { lang: 'hip', args: ['-fgpu-rdc', '-c', 'main.hip', '-o', 'main.o'], out: 'main.o' },
    ],
    link: { args: ['-fgpu-rdc', '--hip-link', 'scale.o', 'use.o', 'main.o', '-o', 'app'], out: 'app' },
    change: { edit: { 'config.h': HEADER_V2 } },
  },
  {
    id: 'offload-compress',
    shape: '--offload-compress',
    title: '--offload-compress with two archs; a header changed between builds',
    files: ['mini_hip.h', 'config.h', 'kern.hip'],
    compiles: [{ lang: 'hip', args: ['--offload-compress', '--offload-arch=gfx1030', '-c', 'kern.hip', '-o', 'kern.o'], out: 'kern.o' }],
    change: { edit: { 'config.h': HEADER_V2 } },
  },
  ...offloadModeCases,
  {
    id: 'another-arch',
    shape: 'another --offload-arch',
    title: 'the same compile for another --offload-arch',
    files: ['mini_hip.h', 'config.h', 'kern.hip'],
    compiles: [{ lang: 'hip', args: ['-c', 'kern.hip', '-o', 'kern.o'], out: 'kern.o' }],
    change: { replaceArg: ['--offload-arch=gfx90a', '--offload-arch=gfx1030'] },
  },
  // Several archs, as the split (HIP_CLANG_LAUNCHER_SPLIT=on) sees them: an
  // arch added between builds hits the others' device parts; each object and
  // depfile must still be clang's one-step result.
  {
    id: 'several-archs',
    shape: 'several --offload-arch + depfile',
    title: 'three archs with a depfile; then a fourth arch added',
    files: ['mini_hip.h', 'config.h', 'kern.hip'],
    compiles: [{ lang: 'hip', args: ['--offload-arch=gfx1030', '--offload-arch=gfx908', '-c', 'kern.hip', '-o', 'kern.o', ...depfile('kern.o')], out: 'kern.o' }],
    change: { replaceArg: ['--offload-arch=gfx908', ['--offload-arch=gfx908', '--offload-arch=gfx906']] },
  },
  {
    id: 'rdc-several-archs',
    shape: '-fgpu-rdc, several --offload-arch + depfile',
    title: 'RDC for two archs with a depfile; a header changed between builds',
    files: ['mini_hip.h', 'config.h', 'kern.hip'],
    compiles: [{ lang: 'hip', args: ['-fgpu-rdc', '--offload-arch=gfx1030', '-c', 'kern.hip', '-o', 'kern.o', ...depfile('kern.o')], out: 'kern.o' }],
    change: { edit: { 'config.h': HEADER_V2 } },
  },
  {
    id: 'define-change',
    shape: 'a -D change',
    title: 'a -D value changed between builds',
    files: ['mini_hip.h', 'config.h', 'kern.hip'],
    compiles: [{ lang: 'hip', args: ['-DVAL=1', '-c', 'kern.hip', '-o', 'kern.o'], out: 'kern.o' }],
    change: { replaceArg: ['-DVAL=1', '-DVAL=2'] },
  },
  {
    id: 'explicit-cuid',
    shape: 'explicit -cuid',
    title: 'explicit -cuid= values, kept as given: RDC, same source twice, linked',
    // Objects with a given -cuid do not depend on -o or the argument order:
    // every route must give exactly the uncached bytes.
    exact: true,
    files: ['mini_hip.h', 'config.h', 'kern.hip', 'main.hip'],
    compiles: [
      { lang: 'hip', args: ['-fgpu-rdc', '-cuid=hcl-explicit-a', '-c', 'kern.hip', '-o', 'a.o'], out: 'a.o' },
      { lang: 'hip', args: ['-fgpu-rdc', '-cuid=hcl-explicit-b', '-c', 'kern.hip', '-o', 'b.o'], out: 'b.o' },
      { lang: 'hip', args: ['-fgpu-rdc', '-cuid=hcl-explicit-main', '-c', 'main.hip', '-o', 'main.o'], out: 'main.o' },
    ],
    link: { args: ['-fgpu-rdc', '--hip-link', 'a.o', 'b.o', 'main.o', '-o', 'app'], out: 'app' },
  },
  {
    id: 'plain-cxx',
    shape: 'plain C++',
    title: 'a plain C++ compile, untouched by any HIP rule',
    exact: true,
    files: ['plain.cpp'],
    compiles: [{ lang: 'c++', args: ['-O2', '-Werror', '-c', 'plain.cpp', '-o', 'plain.o'], out: 'plain.o' }],
    change: { replaceArg: ['-O2', '-O1'] },
  },
];
