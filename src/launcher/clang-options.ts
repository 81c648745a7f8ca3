// The slice of clang's option table the launcher needs, as data (ccache's
// compopt.cpp is the model). Spellings follow clang's Options.td: a flag
// listed as taking a separate value consumes the next argument; its joined
// forms (`-ofile`, `-MFfile`, `--offload-arch=x`) are matched by the parser.

// Flags whose presence makes the whole call a probe: it prints facts about
// the compiler and compiles nothing.
export const PROBE_FLAGS: ReadonlySet<string> = new Set([
  '--version',
  '-dumpmachine',
  '-dumpversion',
  '-dumpfullversion',
  '-###',
  '--help',
  '-help',
  '--help-hidden',
]);
export const PROBE_PREFIXES: readonly string[] = ['-print-', '--print-'];

// Flags that take the next argument as their value (`-o out.o`, `-x hip`).
// Missing one here would let the parser take a value for an input file.
export const SEPARATE_VALUE_FLAGS: ReadonlySet<string> = new Set([
  '-o',
  '--output',
  '-x',
  '--language',
  '-I',
  '-isystem',
  '-iquote',
  '-idirafter',
  '-iprefix',
  '-iwithprefix',
  '-iwithprefixbefore',
  '-isysroot',
  '--sysroot',
  '-imacros',
  '-include',
  '-include-pch',
  '-D',
  '-U',
  '-MF',
  '-MT',
  '-MQ',
  '-MJ',
  '-L',
  '-l',
  '-u',
  '-T',
  '-z',
  '-Xclang',
  '-Xlinker',
  '-Xassembler',
  '-Xpreprocessor',
  '-Xarch_device',
  '-Xarch_host',
  '-Xoffload-linker',
  '-Xcuda-fatbinary',
  '-Xcuda-ptxas',
  '-mllvm',
  '-target',
  '--target',
  '-arch',
  '-resource-dir',
  '-working-directory',
  '--serialize-diagnostics',
  '-ivfsoverlay',
  '-fmodules-cache-path',
  '--offload-arch',
  '--cuda-gpu-arch',
  '--offload',
  '--rocm-path',
  '--hip-path',
  '--hip-device-lib-path',
  '--hip-version',
  '-cuid',
  '-main-file-name',
]);

// Joined prefixes that carry the same meaning as a separate-value flag.
export const OUTPUT_JOINED: readonly string[] = ['--output=', '-o'];
export const LANGUAGE_JOINED: readonly string[] = ['--language=', '-x'];
export const OFFLOAD_ARCH_JOINED: readonly string[] = ['--offload-arch=', '--cuda-gpu-arch='];
export const NO_OFFLOAD_ARCH_JOINED: readonly string[] = ['--no-offload-arch=', '--no-cuda-gpu-arch='];
// Path remappings, `-f...-prefix-map=OLD=NEW` (joined only; clang splits the value at its first `=`).
export const PREFIX_MAP_JOINED: readonly string[] = ['-fdebug-prefix-map=', '-ffile-prefix-map=', '-fmacro-prefix-map=', '-fcoverage-prefix-map=', '-fprofile-prefix-map='];
export const CUID_JOINED: readonly string[] = ['-cuid=', '-fuse-cuid='];
export const DEPFILE_OUTPUT_JOINED: readonly string[] = ['-MF'];
// Where the device libraries (bitcode linked into every device object) come from.
export const DEVICE_LIB_PATH_JOINED: readonly string[] = ['--hip-device-lib-path=', '--rocm-device-lib-path='];
export const ROCM_PATH_JOINED: readonly string[] = ['--rocm-path='];

// Which part of an offloading compile runs. clang spells each two ways.
export const DEVICE_ONLY_FLAGS: ReadonlySet<string> = new Set(['--offload-device-only', '--cuda-device-only']);
export const HOST_ONLY_FLAGS: ReadonlySet<string> = new Set(['--offload-host-only', '--cuda-host-only']);
export const BOTH_SIDES_FLAGS: ReadonlySet<string> = new Set(['--offload-host-device', '--cuda-compile-host-device']);

// Relocatable device code: objects keep device code to link later (where __hip_cuid_ collides).
export const RDC_ON: ReadonlySet<string> = new Set(['-fgpu-rdc', '-fcuda-rdc']);
export const RDC_OFF: ReadonlySet<string> = new Set(['-fno-gpu-rdc', '-fno-cuda-rdc']);

export const COMPRESS_ON: ReadonlySet<string> = new Set(['--offload-compress']);
export const COMPRESS_OFF: ReadonlySet<string> = new Set(['--no-offload-compress']);
// Split DWARF: a .dwo beside the object (and for HIP one per device arch); `=single` keeps it in the object.
export const SPLIT_DWARF_ON: ReadonlySet<string> = new Set(['-gsplit-dwarf', '-gsplit-dwarf=split']);
export const SPLIT_DWARF_OFF: ReadonlySet<string> = new Set(['-gno-split-dwarf', '-gsplit-dwarf=single']);

// Depfile flags: -MD/-MMD write one beside the compile (as CMake and Ninja ask).
export const DEPFILE_FLAGS: ReadonlySet<string> = new Set(['-MD', '-MMD']);
export const PREPROCESS_DEPS_FLAGS: ReadonlySet<string> = new Set(['-M', '-MM']);

// What the call stops at. Absent all of these, clang links.
export const STOP_FLAGS: Readonly<Record<string, 'compile' | 'assemble' | 'preprocess' | 'syntax-only'>> = {
  '-c': 'compile',
  '-S': 'assemble',
  '-E': 'preprocess',
  '-fsyntax-only': 'syntax-only',
};

export const SAVE_TEMPS_PREFIX = '-save-temps';
// The new offload driver (clang-offload-packager, clang-linker-wrapper): its jobs differ, and no split of it is proven.
export const NEW_DRIVER_ON: ReadonlySet<string> = new Set(['--offload-new-driver', '-foffload-via-llvm']);
export const NEW_DRIVER_OFF: ReadonlySet<string> = new Set(['--no-offload-new-driver', '-fno-offload-via-llvm']);
export const EMIT_LLVM_FLAGS: ReadonlySet<string> = new Set(['-emit-llvm']);

// Input languages by extension, as clang's driver types them (types.def).
export const LANGUAGE_BY_EXTENSION: Readonly<Record<string, string>> = {
  c: 'c',
  i: 'cpp-output',
  cc: 'c++',
  cp: 'c++',
  cxx: 'c++',
  cpp: 'c++',
  'c++': 'c++',
  C: 'c++',
  CC: 'c++',
  CPP: 'c++',
  ii: 'c++-cpp-output',
  cu: 'cuda',
  cui: 'cuda-cpp-output',
  hip: 'hip',
  hipi: 'hip-cpp-output',
  m: 'objective-c',
  mm: 'objective-c++',
  s: 'assembler',
  S: 'assembler-with-cpp',
  sx: 'assembler-with-cpp',
  ll: 'ir',
  bc: 'ir',
};

// Languages whose compile offloads to a GPU: the HIP rules apply to these.
export const OFFLOAD_LANGUAGES: ReadonlySet<string> = new Set(['hip', 'cuda', 'hip-cpp-output', 'cuda-cpp-output']);

// Driver names that are hipcc, not clang (hipcc's own environment changes the clang call it makes).
export const HIPCC_NAMES: ReadonlySet<string> = new Set(['hipcc', 'hipcc.bin', 'hipcc.pl', 'hipcc.exe', 'hipcc.bat']);

// Options whose value is a path the preprocessor reads (ccache's TAKES_PATH
// entries that affect the preprocessed source), separate (`-I dir`) or joined
// (`-Idir`). Under a base dir the launcher hands these to sccache relative to
// the working directory, as ccache's base_dir does.
export const PREPROCESSOR_PATH_FLAGS: readonly string[] = ['-I', '-isystem', '-iquote', '-idirafter', '-include', '-imacros', '-include-pch'];

// Options that put a path as written into the object beyond the preprocessed
// source (debug info, coverage and profile names, sanitizer locations, the
// recorded command line, prefix maps matched against the paths as written),
// or that the launcher cannot see into (`@file`): with any of them the paths
// stay as the build wrote them.
export const PATH_RECORDING_PREFIXES: readonly string[] = [
  '-g',
  '--coverage',
  '-ftest-coverage',
  '-fprofile-',
  '-fcoverage-',
  '-fcs-profile-generate',
  '-fsanitize',
  '-frecord-command-line',
  '-frecord-gcc-switches',
  '-ffile-prefix-map',
  '-fmacro-prefix-map',
  '-fdebug-prefix-map',
  '-fdebug-compilation-dir',
  '-ffile-compilation-dir',
  '-MJ',
  '@',
];
// Debug info switched off records nothing.
export const NO_DEBUG_FLAGS: ReadonlySet<string> = new Set(['-g0', '-gno-column-info']);
