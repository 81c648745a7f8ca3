import { join } from 'node:path';
import { HclError } from '../errors.js';
import { realNameFor } from './driver-mode.js';
import { sha256OfFileOnce, sha256OfText } from './fs-ops.js';
import { lexists, readlinkOrUndefined } from '../safe-read.js';
import { entryTypeOf, followChain, isOurShim, modeOf } from './inspect-entry.js';
import { asideNameFor, MANIFEST_NAME, shimFileName } from './layout.js';
import { MANIFEST_VERSION, serializeManifest, type Manifest, type ManifestEntry } from './manifest.js';
import { isStepDone, type Source, type Step } from './steps.js';

// Works out the changes an install makes, without making any. Each name
// changes by one rename over its old entry, and the real compiler's name
// exists before the name reaching it changes. For each wrapped name E:
//   a real binary:  E-real = a hard link of E (same file);  E becomes the shim
//   a symlink:      E-real -> end of E's chain (in the bin dir);  E becomes the shim
//   already our shim: check its real compiler; re-record one an upgrade changed
//   our shim replaced since install (an upgrade): the new E is wrapped, E-real replaced
// plus the shim executable itself and the manifest, each written whole.

export interface InstallRequest {
  bin: string;
  // Every name to wrap, including all an earlier install wrapped.
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
  // Each wrapped name's real compiler once the plan has run.
  reals: Record<string, string>;
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
  const at = (name: string) => join(bin, name);
  const oldEntry = (name: string) => previous?.entries.find((e) => e.name === name);
  const realNameOf = (name: string) => (req.names.includes(name) || oldEntry(name) ? (oldEntry(name)?.realName ?? realNameFor(name)) : undefined);
  const isShim = (name: string) => isOurShim(bin, name, shimName, previous?.shimSha256, platform);
  // `name` becomes `from`, by a rename over whatever is there now.
  const place = (name: string, from: Source): Step => ({ op: 'place', path: name, from, ...(lexists(at(name)) ? { keep: asideNameFor(name, txid) } : {}) });
  // E-real, unless it already is what it must be (an upgrade that rewrote only E).
  const placeReal = (name: string, from: Source): Step[] => {
    const step = place(name, from);
    return isStepDone(bin, step) ? [] : [step];
  };
  const shimSource = (): Source => (platform === 'win32' ? { copy: req.shimSource, sha256: req.shimSha256, mode: 0o755 } : { symlink: shimName });
  const cannotRepair = (name: string, why: string) =>
    new HclError('drift', `cannot repair ${at(name)}: ${why}`, `reinstall the compiler package, then run 'hip-clang-launcher uninstall' and install again`);

  // The shim executable first, so no link ever points at nothing.
  const shimChanged = !lexists(at(shimName)) || sha256OfFileOnce(at(shimName)) !== req.shimSha256;
  if (shimChanged) steps.push(place(shimName, { copy: req.shimSource, sha256: req.shimSha256, mode: 0o755 }));

  const entries: ManifestEntry[] = [];
  // Real binaries this plan replaces (an upgrade wrote a new file over the
  // shim): links that end at one run the new file once the plan has run.
  const replacedReals = new Map<string, ManifestEntry>();
  for (const name of req.names) {
    const old = oldEntry(name);
    const realName = realNameOf(name)!;
    const type = entryTypeOf(at(name));
    if (isShim(name)) {
      if (!old) {
        throw new HclError('drift', `${at(name)} is a hip-clang-launcher shim, but ${MANIFEST_NAME} does not list it`, `restore ${name} by hand (the real compiler is probably ${realName}), then run install again`);
      }
      entries.push({ ...checkReal(old), shimSha256: req.shimSha256 });
      // Windows shims are copies: a new shim executable means new copies.
      if (platform === 'win32' && shimChanged) steps.push(place(name, shimSource()));
      continue;
    }
    if (type === 'missing' && old) {
      if (entryTypeOf(at(realName)) === 'missing') throw cannotRepair(name, `both ${name} and its real compiler ${realName} are gone`);
      notes.push(`repaired: the ${name} shim was missing; put it back`);
      entries.push({ ...checkReal(old), shimSha256: req.shimSha256 });
      steps.push(place(name, shimSource()));
      continue;
    }
    if (type === 'missing') {
      throw new HclError('not-a-llvm-bin', `there is no ${name} in ${bin}`, 'choose the names to wrap with --names (default: clang,clang++)');
    }
    if (type === 'other') {
      throw new HclError('not-a-llvm-bin', `${at(name)} is not a file or a symlink`, 'choose the names to wrap with --names');
    }
    if (lexists(at(realName))) {
      if (!old) {
        throw new HclError('foreign-wrapper', `${at(realName)} already exists and hip-clang-launcher did not make it`, `move it away (it may be another tool's backup of ${name}), then run install again`);
      }
      notes.push(`repaired: ${name} was replaced since install (an upgrade?); wrapped the new one in place of the old ${realName}`);
    }
    if (type === 'file') {
      const entry: ManifestEntry = { name, realName, kind: 'file', mode: modeOf(at(name)), sha256: sha256OfFileOnce(at(name)), shimSha256: req.shimSha256 };
      entries.push(entry);
      const real = placeReal(realName, { hardlink: name });
      if (real.length > 0) replacedReals.set(realName, entry);
      steps.push(...real, place(name, shimSource()));
      continue;
    }
    const end = chainEnd(name, name);
    entries.push({
      name,
      realName,
      kind: 'symlink',
      originalTarget: readlinkOrUndefined(at(name))!,
      realTarget: end.linkText,
      mode: modeOf(end.file),
      sha256: sha256OfFileOnce(end.file),
      shimSha256: req.shimSha256,
    });
    steps.push(...placeReal(realName, { symlink: end.linkText }), place(name, shimSource()));
  }

  // An installed name's real compiler as it is now, checked, and recorded
  // anew where an upgrade replaced the file or someone repointed its link.
  function checkReal(old: ManifestEntry): ManifestEntry {
    const { name, realName } = old;
    const real = at(realName);
    const type = entryTypeOf(real);
    if (type === 'missing') throw cannotRepair(name, `its real compiler ${realName} is gone`);
    if (old.kind === 'file') {
      if (type !== 'file') throw cannotRepair(name, `its real compiler ${realName} is no longer a file`);
      const sha256 = sha256OfFileOnce(real);
      if (sha256 === old.sha256) return old;
      if ((modeOf(real) & 0o111) === 0 && platform !== 'win32') throw cannotRepair(name, `its real compiler ${realName} changed and is not executable`);
      notes.push(`repaired: the real compiler ${real} changed since install (an upgrade?); recorded the new one`);
      return { ...old, sha256, mode: modeOf(real) };
    }
    if (type !== 'symlink') throw cannotRepair(name, `${realName} is no longer the link install made`);
    const end = chainEnd(realName, name, true);
    const sha256 = sha256OfFileOnce(end.file);
    const relinked = readlinkOrUndefined(real) !== end.linkText;
    if (!relinked && end.linkText === old.realTarget && sha256 === old.sha256) return old;
    if (relinked) steps.push(place(realName, { symlink: end.linkText }));
    notes.push(
      end.linkText === old.realTarget
        ? `repaired: the real compiler ${end.file} changed since install (an upgrade?); recorded the new one`
        : `repaired: ${realName} led to ${end.linkText}, not ${old.realTarget}, since install; ${relinked ? 'linked it there' : 'recorded it'}`,
    );
    return { ...old, realTarget: end.linkText, sha256, mode: modeOf(end.file) };
  }

  function chainEnd(from: string, name: string, repairing = false) {
    try {
      return followChain(bin, from, realNameOf, isShim);
    } catch (error) {
      if (repairing) throw cannotRepair(name, (error as Error).message);
      throw new HclError('not-a-llvm-bin', `${at(name)} cannot be wrapped: ${(error as Error).message}`, 'fix the link, or leave this name out with --names');
    }
  }

  // Record what a link's real compiler will be, not what it was while planning
  // (ROCm's and Debian's clang++ -> clang, with clang the one real binary).
  for (const [i, entry] of entries.entries()) {
    const replaced = entry.kind === 'symlink' ? replacedReals.get(entry.realTarget ?? '') : undefined;
    if (replaced && (entry.sha256 !== replaced.sha256 || entry.mode !== replaced.mode)) entries[i] = { ...entry, sha256: replaced.sha256, mode: replaced.mode };
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
  const reals = Object.fromEntries(entries.map((e) => [e.name, e.realName]));
  if (steps.length === 0 && sameContent(previous, manifest)) return { steps, reals, manifest: previous!, notes };
  const text = serializeManifest(manifest);
  steps.push(place(MANIFEST_NAME, { text, sha256: sha256OfText(text), mode: 0o644 }));
  return { steps, reals, manifest, notes };
}
