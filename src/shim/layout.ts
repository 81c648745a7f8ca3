// The files the shim keeps in an llvm bin directory, next to the compilers.

export const SHIM_STEM = 'hip-clang-launcher';
export const MANIFEST_NAME = 'hip-clang-launcher.shim.json';
export const JOURNAL_NAME = 'hip-clang-launcher.journal';
export const LOCK_NAME = 'hip-clang-launcher.lock';
// Marks files a transaction writes or sets aside, so leftovers are recognisable.
export const TEMP_MARK = '.hcl-';

// The temp name a new entry is built under before it is renamed over `path`; named per target so recovery can find it.
export function tempNameFor(path: string): string {
  return `${path}${TEMP_MARK}tmp`;
}

// Where a transaction keeps the entry it replaced until it commits.
export function asideNameFor(path: string, txid: string): string {
  return `${path}${TEMP_MARK}old-${txid}`;
}

export const DEFAULT_ENTRY_STEMS: readonly string[] = ['clang', 'clang++'];

export function exeSuffix(platform: NodeJS.Platform): string {
  return platform === 'win32' ? '.exe' : '';
}

export function shimFileName(platform: NodeJS.Platform): string {
  return `${SHIM_STEM}${exeSuffix(platform)}`;
}

// `clang++` -> `clang++.exe` on Windows; a name given with `.exe` keeps it.
export function entryFileName(stem: string, platform: NodeJS.Platform): string {
  return platform === 'win32' && !/\.exe$/i.test(stem) ? `${stem}.exe` : stem;
}

// A plain file name in the bin dir: what manifests and journals may name.
export function isBinName(name: unknown): name is string {
  return typeof name === 'string' && name !== '' && name !== '.' && name !== '..' && !/[\\/\0]/.test(name);
}

// A name that may stand for a real compiler: never the shim executable or one
// of its files (by name; what it resolves to is checked where it is run), and
// never a transaction's temp or set-aside file.
export function isRealCompilerName(name: unknown): name is string {
  return isBinName(name) && !name.toLowerCase().startsWith(SHIM_STEM) && !name.includes(TEMP_MARK);
}
