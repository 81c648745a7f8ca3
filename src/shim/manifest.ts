import { join } from 'node:path';
import { HclError } from '../errors.js';
import { readRegularNoFollow } from '../safe-read.js';
import { isBinName, isRealCompilerName, MANIFEST_NAME, shimFileName } from './layout.js';

// The record of an install, kept as JSON next to the compilers. The shim
// reads it on every call (one readFileSync + JSON.parse); install, status and
// uninstall read and rewrite it. Written only through a transaction step
// (temp file, fsync, rename over the old one), so a reader never sees half of
// one. Anyone able to write the bin dir can edit it, so every name in it is
// checked: a plain name in the bin dir, and a real compiler never the shim.

export const MANIFEST_VERSION = 1;

export interface ManifestEntry {
  // The wrapped file's name in the bin dir (`clang++`, `clang++.exe`).
  name: string;
  // Where the real compiler is reached: a name in the same dir that keeps clang's driver mode.
  realName: string;
  // What `name` was before install: a real binary (renamed to realName) or a symlink.
  kind: 'file' | 'symlink';
  // kind symlink: the link text of the original `name`, restored by uninstall.
  originalTarget?: string;
  // kind symlink: the link text of `realName`: the final file of the original chain, a name in the bin dir.
  realTarget?: string;
  // Permission bits of the real compiler file.
  mode: number;
  // sha256 of the real compiler file at install time.
  sha256: string;
  // sha256 of the shim that stands in for `name`.
  shimSha256: string;
}

export interface Manifest {
  manifestVersion: number;
  tool: 'hip-clang-launcher';
  toolVersion: string;
  platform: NodeJS.Platform;
  shim: string;
  shimSha256: string;
  // HIP_CLANG_LAUNCHER_CACHE for the shim's calls, unless the environment sets it. null: auto.
  cache: string | null;
  installedAt: string;
  entries: ManifestEntry[];
}

export function manifestPath(bin: string): string {
  return join(bin, MANIFEST_NAME);
}

function corrupt(file: string, why: string): HclError {
  return new HclError(
    'manifest-corrupt',
    `the shim manifest ${file} is unreadable (${why})`,
    'restore it from a backup, or remove the shims by hand (each <name>-real is the real compiler) and delete the manifest',
  );
}

const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';

// Checks the shape of a parsed manifest; throws 'manifest-corrupt' naming the first fault.
export function validateManifest(data: unknown, file: string): Manifest {
  if (typeof data !== 'object' || data === null) throw corrupt(file, 'not a JSON object');
  const m = data as Record<string, unknown>;
  if (m.tool !== 'hip-clang-launcher') throw corrupt(file, "no 'tool': hip-clang-launcher");
  if (m.manifestVersion !== MANIFEST_VERSION) throw corrupt(file, `manifestVersion ${String(m.manifestVersion)}, expected ${MANIFEST_VERSION}`);
  if (!isString(m.shim) || !isString(m.shimSha256)) throw corrupt(file, "missing 'shim' or 'shimSha256'");
  if (m.shim !== shimFileName('linux') && m.shim !== shimFileName('win32')) throw corrupt(file, `'shim' is ${m.shim}, not hip-clang-launcher's executable`);
  if (m.cache !== null && !isString(m.cache)) throw corrupt(file, "'cache' must be a string or null");
  if (!Array.isArray(m.entries) || m.entries.length === 0) throw corrupt(file, "'entries' must be a non-empty list");
  for (const [i, e] of (m.entries as Record<string, unknown>[]).entries()) {
    const where = `entries[${i}]`;
    if (typeof e !== 'object' || e === null) throw corrupt(file, `${where} is not an object`);
    if (!isString(e.name) || !isString(e.realName)) throw corrupt(file, `${where} lacks 'name' or 'realName'`);
    if (!isBinName(e.name) || !isBinName(e.realName)) throw corrupt(file, `${where} names a path, not a file in the bin dir`);
    if (!isRealCompilerName(e.realName) || (m.entries as { name?: unknown }[]).some((other) => other.name === e.realName)) {
      throw corrupt(file, `${where}.realName ${e.realName} is hip-clang-launcher's own file or a shim, never a real compiler`);
    }
    if (e.kind !== 'file' && e.kind !== 'symlink') throw corrupt(file, `${where}.kind must be file or symlink`);
    if (e.kind === 'symlink' && (!isString(e.originalTarget) || !isString(e.realTarget))) {
      throw corrupt(file, `${where} is a symlink entry without 'originalTarget' and 'realTarget'`);
    }
    if (e.kind === 'symlink' && !isRealCompilerName(e.realTarget)) throw corrupt(file, `${where}.realTarget ${String(e.realTarget)} is not a compiler in the bin dir`);
    if (typeof e.mode !== 'number' || !isString(e.sha256) || !isString(e.shimSha256)) throw corrupt(file, `${where} lacks 'mode', 'sha256' or 'shimSha256'`);
  }
  return data as Manifest;
}

// The manifest in `bin`, or undefined when there is none.
export function readManifest(bin: string): Manifest | undefined {
  const file = manifestPath(bin);
  let text: string;
  try {
    text = readRegularNoFollow(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw corrupt(file, (error as Error).message);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw corrupt(file, `not JSON: ${(error as Error).message}`);
  }
  return validateManifest(data, file);
}

export function serializeManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
