// Installs the shim into an llvm bin dir, all or nothing:
//   1. find the bin dir (ROCm root, llvm/bin, lib/llvm/bin, llvm-N/bin); check it is writable
//   2. take the lock; finish (complete or roll back) a journal a crash left
//   3. read the manifest (corrupt: stop); refuse trees wrapped by other tools
//   4. plan: shim executable, then per name E (plus every link that reaches one of them):
//      E-real (a hard link of the file, or a link to its chain's end), E -> shim, manifest;
//      each name changes by a rename over its old entry, never missing for a build
//      that runs it; a real compiler an upgrade changed is checked and re-recorded
//   5. run the plan as a transaction: journal, each change recorded, commit, clean up;
//      any failure undoes the changes in reverse and leaves the tree as it was
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { HclError } from '../errors.js';
import { findDependentLinks } from './dependent-links.js';
import { detectForeignWrapper } from './detect-foreign-wrapper.js';
import { sha256OfFileOnce, type FsOps } from './fs-ops.js';
import { isOurShim } from './inspect-entry.js';
import { DEFAULT_ENTRY_STEMS, entryFileName, shimFileName, SHIM_STEM } from './layout.js';
import { readManifest, type Manifest } from './manifest.js';
import { withWritableBin } from './open-bin.js';
import { planInstall } from './plan-install.js';
import { newTxid, runTransaction } from './transaction.js';

export interface InstallOptions {
  given: string;
  names?: readonly string[];
  cache?: string;
  platform: NodeJS.Platform;
  shimSource: string;
  toolVersion: string;
  cwd: string;
  ops: FsOps;
  warn: (line: string) => void;
}

export interface InstallResult {
  bin: string;
  changed: boolean;
  manifest: Manifest;
  notes: string[];
  recovered: string | undefined;
}

const CACHE_WORDS = ['auto', 'sccache', 'ccache', 'none'];

export function checkCacheSetting(cache: string | undefined): void {
  if (cache === undefined || CACHE_WORDS.includes(cache.toLowerCase()) || /^([a-z]:)?[\\/]/i.test(cache)) return;
  throw new HclError('usage', `--cache ${cache} is not understood`, 'use auto, sccache, ccache, none, or an absolute path');
}

export function entryNames(names: readonly string[] | undefined, platform: NodeJS.Platform): string[] {
  const list = (names ?? DEFAULT_ENTRY_STEMS).map((n) => n.trim()).filter(Boolean);
  if (list.length === 0) throw new HclError('usage', '--names is empty', 'give compiler names, e.g. --names clang,clang++');
  for (const name of list) {
    if (/[\\/]/.test(name) || name.startsWith('.') || name.toLowerCase().startsWith(SHIM_STEM)) {
      throw new HclError('usage', `--names: '${name}' is not a compiler name in the bin dir`, 'give plain file names such as clang++');
    }
  }
  return [...new Set(list.map((n) => entryFileName(n, platform)))];
}

function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync.native(path);
  } catch {
    return undefined;
  }
}

export function installShim(opts: InstallOptions): InstallResult {
  const asked = entryNames(opts.names, opts.platform);
  checkCacheSetting(opts.cache);
  return withWritableBin(opts.given, asked, opts.cwd, opts.ops, opts.warn, ({ bin, recovered }) => {
    const previous = readManifest(bin);
    const dependents = findDependentLinks(bin, asked);
    // What an earlier install wrapped is checked (and repaired) too, whatever is asked now.
    const names = [...new Set([...asked, ...dependents, ...(previous?.entries.map((e) => e.name) ?? [])])];
    const shimName = shimFileName(opts.platform);
    // A listed name that is our shim, or leads to it through another listed name (an upgrade rewrote its link).
    const ownShim = realpathOrUndefined(join(bin, shimName));
    const owns = (name: string) =>
      previous?.entries.some((e) => e.name === name) === true &&
      (isOurShim(bin, name, shimName, previous.shimSha256, opts.platform) || (ownShim !== undefined && realpathOrUndefined(join(bin, name)) === ownShim));
    const foreign = detectForeignWrapper(bin, names, owns);
    if (foreign) throw new HclError('foreign-wrapper', foreign.found, foreign.advice);
    const txid = newTxid();
    const plan = planInstall({
      bin,
      names,
      platform: opts.platform,
      shimSource: opts.shimSource,
      shimSha256: sha256OfFileOnce(opts.shimSource),
      cache: opts.cache,
      toolVersion: opts.toolVersion,
      txid,
      previous,
    });
    runTransaction(bin, { action: 'install', txid, steps: plan.steps, reals: plan.reals }, opts.ops, opts.warn);
    const notes = [...plan.notes];
    if (dependents.length > 0 && plan.steps.length > 0) {
      notes.push(`also wrapped ${dependents.join(', ')}: links that reach ${asked.join(' or ')} and would otherwise reach the shim`);
    }
    return { bin, changed: plan.steps.length > 0, manifest: plan.manifest, notes, recovered };
  });
}
