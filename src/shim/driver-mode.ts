// clang picks its driver mode from the name it was invoked by (argv[0]), so
// the name the real compiler is renamed or linked to must keep that mode:
// `clang++-real` is C++, but `clang++-15-real` would fall back to C mode.
//
// clang's rule (ToolChain.cpp, getTargetAndModeFromProgramName): drop the
// directory and `.exe`; find a known suffix at the end; failing that, retry
// after trimming trailing digits and dots; failing that, after cutting one
// trailing `-component`. An unknown name gets the default (gcc-like) mode.

// Known suffixes in clang's order, with the mode each gives.
const DRIVER_SUFFIXES: readonly (readonly [suffix: string, mode: string])[] = [
  ['clang', 'gcc'],
  ['clang++', 'g++'],
  ['clang-c++', 'g++'],
  ['clang-cc', 'gcc'],
  ['clang-cpp', 'cpp'],
  ['clang-g++', 'g++'],
  ['clang-gcc', 'gcc'],
  ['clang-cl', 'cl'],
  ['cc', 'gcc'],
  ['cpp', 'cpp'],
  ['cl', 'cl'],
  ['++', 'g++'],
  ['flang', 'flang'],
  ['clang-dxc', 'dxc'],
];

function modeBySuffix(name: string): string | undefined {
  return DRIVER_SUFFIXES.find(([suffix]) => name.endsWith(suffix))?.[1];
}

// The driver mode clang takes when invoked under `fileName`.
export function driverModeOf(fileName: string): string {
  let name = fileName.toLowerCase().replace(/\.exe$/, '');
  const exact = modeBySuffix(name);
  if (exact) return exact;
  name = name.replace(/[0-9.]+$/, '');
  const unversioned = modeBySuffix(name);
  if (unversioned) return unversioned;
  const cut = name.lastIndexOf('-');
  return (cut >= 0 ? modeBySuffix(name.slice(0, cut)) : undefined) ?? 'gcc';
}

// The name the real compiler of entry `fileName` is reached by: `<stem>-real`,
// or `<stem>.real` where a version tail would otherwise lose the mode
// (`clang++-15` -> `clang++-15.real`). `.exe` stays last on Windows.
export function realNameFor(fileName: string): string {
  const exe = /\.exe$/i.exec(fileName)?.[0] ?? '';
  const stem = fileName.slice(0, fileName.length - exe.length);
  const mode = driverModeOf(fileName);
  for (const candidate of [`${stem}-real${exe}`, `${stem}.real${exe}`]) {
    if (driverModeOf(candidate) === mode) return candidate;
  }
  throw new Error(`no driver-mode-preserving name for ${fileName}`);
}
