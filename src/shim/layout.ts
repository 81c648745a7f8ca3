// The files the shim keeps in an llvm bin directory, next to the compilers.

export const SHIM_STEM = 'hip-clang-launcher';
export const MANIFEST_NAME = 'hip-clang-launcher.shim.json';
export const JOURNAL_NAME = 'hip-clang-launcher.journal';
export const LOCK_NAME = 'hip-clang-launcher.lock';
// Marks files a transaction writes or sets aside, so leftovers are recognisable.
export const TEMP_MARK = '.hcl-';

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
