import { join } from 'node:path';
import { HclError } from '../errors.js';
import { realNameFor } from './driver-mode.js';
import { lexists, readlinkOrUndefined, sha256OfFile, sha256OfText } from './fs-ops.js';
import { entryTypeOf, followChain, isOurShim, modeOf } from './inspect-entry.js';
import { MANIFEST_NAME, shimFileName } from './layout.js';
import { MANIFEST_VERSION, serializeManifest, type Manifest, type ManifestEntry } from './manifest.js';
import { asideNameFor, type Step } from './steps.js';

// Works out the changes an install makes, without making any. For each
// wrapped name E (the real compiler never leaves the bin dir):
//   a real binary:  rename E -> E-real;              E becomes the shim
//   a symlink:      link E-real -> end of E's chain;  set E aside; E becomes the shim
//   already our shim with its real compiler in place: nothing
//   our shim replaced since install (an upgrade): the new E is wrapped, the old E-real dropped
// plus the shim executable itself and the manifest, each written whole.

export interface InstallRequest {
  bin: string;
  names: readonly string[];
  platform: NodeJS.Platform;
  // The executable to install as the shim (the running one).
  shimSource: string;
  shimSha256: string;
  // undefined: keep what the manifest has (or auto).
  cache: string | undefined;
  toolVersion: string;
  txid: string;
  previous: Manifest | undefined;
}

export interface InstallPlan {
  steps: Step[];
  manifest: Manifest;
  notes: string[];
}

// A manifest's content apart from when it was written.
function sameContent(a: Manifest | undefined, b: Manifest): boolean {
  return a !== undefined && JSON.stringify({ ...a, installedAt: '' }) === JSON.stringify({ ...b, installedAt: '' });
}

export function planInstall(req: InstallRequest): InstallPlan {
  const { bin, platform, txid, previous } = req;
  const shimName = shimFileName(platform);
  const steps: Step[] = [];
  const notes: string[] = [];
  const oldEntry = (name: string) => previous?.entries.find((e) => e.name === name);
  const realNameOf = (name: string) => (req.names.includes(name) || oldEntry(name) ? (oldEntry(name)?.realName ?? realNameFor(name)) : undefined);
  const isShim = (name: string) => isOurShim(bin, name, shimName, previous?.shimSha256, platform);
  const placeShim = (name: string): Step =>
    platform === 'win32'
      ? { op: 'put-file', path: name, source: req.shimSource, sha256: req.shimSha256, mode: 0o755 }
      : { op: 'symlink', path: name, target: shimName };

  // The shim executable first, so no link ever points at nothing.
  const shimPath = join(bin, shimName);
  const shimChanged = !lexists(shimPath) || sha256OfFile(shimPath) !== req.shimSha256;
  if (shimChanged) {
    if (lexists(shimPath)) steps.push({ op: 'rename', from: shimName, to: asideNameFor(shimName, txid), discard: true });
    steps.push({ op: 'put-file', path: shimName, source: req.shimSource, sha256: req.shimSha256, mode: 0o755 });
  }

  const entries: ManifestEntry[] = [];
  for (const name of req.names) {
    const old = oldEntry(name);
    const realName = realNameOf(name)!;
    const type = entryTypeOf(join(bin, name));
    if (isShim(name)) {
      if (!old) {
        throw new HclError('drift', `${join(bin, name)} is a hip-clang-launcher shim, but ${MANIFEST_NAME} does not list it`, `restore ${name} by hand (the real compiler is probably ${realName}), then run install again`);
      }
      if (entryTypeOf(join(bin, realName)) === 'missing' || (old.kind === 'symlink' && readlinkOrUndefined(join(bin, realName)) !== old.realTarget)) {
        throw new HclError('drift', `${join(bin, realName)}, the real compiler behind ${name}, is missing or changed since install`, `reinstall the compiler package, then run 'hip-clang-launcher uninstall' and install again`);
      }
      // Windows shims are copies: a new shim executable means new copies.
      if (platform === 'win32' && shimChanged) {
        steps.push({ op: 'rename', from: name, to: asideNameFor(name, txid), discard: true }, placeShim(name));
      }
      entries.push({ ...old, shimSha256: req.shimSha256 });
      continue;
    }
    if (type === 'missing' && old) {
      if (entryTypeOf(join(bin, realName)) === 'missing') {
        throw new HclError('drift', `both ${name} and its real compiler ${realName} are gone from ${bin}`, `reinstall the compiler package, then run 'hip-clang-launcher uninstall' and install again`);
      }
      notes.push(`repaired: the ${name} shim was missing; put it back`);
      steps.push(placeShim(name));
      entries.push({ ...old, shimSha256: req.shimSha256 });
      continue;
    }
    if (type === 'missing') {
      throw new HclError('not-a-llvm-bin', `there is no ${name} in ${bin}`, 'choose the names to wrap with --names (default: clang,clang++)');
    }
    if (type === 'other') {
      throw new HclError('not-a-llvm-bin', `${join(bin, name)} is not a file or a symlink`, 'choose the names to wrap with --names');
    }
    if (lexists(join(bin, realName))) {
      if (!old) {
        throw new HclError('foreign-wrapper', `${join(bin, realName)} already exists and hip-clang-launcher did not make it`, `move it away (it may be another tool's backup of ${name}), then run install again`);
      }
      notes.push(`repaired: ${name} was replaced since install (an upgrade?); wrapped the new one and dropped the old ${realName}`);
      steps.push({ op: 'rename', from: realName, to: asideNameFor(realName, txid), discard: true });
    }
    if (type === 'file') {
      const file = join(bin, name);
      entries.push({ name, realName, kind: 'file', mode: modeOf(file), sha256: sha256OfFile(file), shimSha256: req.shimSha256 });
      steps.push({ op: 'rename', from: name, to: realName }, placeShim(name));
      continue;
    }
    let end;
    try {
      end = followChain(bin, name, realNameOf, isShim);
    } catch (error) {
      throw new HclError('not-a-llvm-bin', `${join(bin, name)} cannot be wrapped: ${(error as Error).message}`, 'fix the link, or leave this name out with --names');
    }
    entries.push({
      name,
      realName,
      kind: 'symlink',
      originalTarget: readlinkOrUndefined(join(bin, name))!,
      realTarget: end.linkText,
      mode: modeOf(end.file),
      sha256: sha256OfFile(end.file),
      shimSha256: req.shimSha256,
    });
    steps.push(
      { op: 'symlink', path: realName, target: end.linkText },
      { op: 'rename', from: name, to: asideNameFor(name, txid), discard: true },
      placeShim(name),
    );
  }
  // Entries of an earlier install that this one does not name stay as they are.
  for (const old of previous?.entries ?? []) {
    if (!req.names.includes(old.name)) entries.push(old);
  }

  const manifest: Manifest = {
    manifestVersion: MANIFEST_VERSION,
    tool: 'hip-clang-launcher',
    toolVersion: req.toolVersion,
    platform,
    shim: shimName,
    shimSha256: req.shimSha256,
    cache: req.cache === undefined ? (previous?.cache ?? null) : req.cache,
    installedAt: new Date().toISOString(),
    entries,
  };
  if (steps.length === 0 && sameContent(previous, manifest)) return { steps, manifest: previous!, notes };
  const text = serializeManifest(manifest);
  if (previous) steps.push({ op: 'rename', from: MANIFEST_NAME, to: asideNameFor(MANIFEST_NAME, txid), discard: true });
  steps.push({ op: 'put-file', path: MANIFEST_NAME, text, sha256: sha256OfText(text), mode: 0o644 });
  return { steps, manifest, notes };
}
