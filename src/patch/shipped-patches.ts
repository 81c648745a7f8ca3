import backportText from '../../patches/backport/0001-hipcc-Add-HIP_CLANG_LAUNCHER-to-run-clang-through-a-.patch';
import windowsFixText from '../../patches/windows-quoting-fix/0001-hipcc-Pass-the-compiler-to-HIP_CLANG_LAUNCHER-as-one.patch';
import { parsePatch, type ParsedPatch } from './parse-patch.js';

// The project's two hipcc patches, carried inside the executable so that
// `patch` works wherever the executable is copied.

export interface ShippedPatch {
  id: 'backport' | 'windows-fix';
  fileName: string;
  text: string;
  parsed: ParsedPatch;
}

const shipped = (id: ShippedPatch['id'], fileName: string, text: string): ShippedPatch => ({ id, fileName, text, parsed: parsePatch(text) });

export const BACKPORT = shipped('backport', '0001-hipcc-Add-HIP_CLANG_LAUNCHER-to-run-clang-through-a-.patch', backportText);
export const WINDOWS_FIX = shipped('windows-fix', '0001-hipcc-Pass-the-compiler-to-HIP_CLANG_LAUNCHER-as-one.patch', windowsFixText);
