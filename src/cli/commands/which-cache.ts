import type { CommandModule } from 'yargs';
import { createHost } from '../../host.js';
import { learnCacheFacts, type CacheFacts } from '../../launcher/cache-facts.js';
import { BASEDIR_VAR, CACHE_VAR, CCACHE_BASEDIR } from '../../launcher/env-vars.js';
import { chooseCache, type CacheChoice, type CachePurpose } from '../../launcher/find-cache.js';
import { findProgram } from '../../launcher/find-program.js';
import { learnHipccLauncherSupport, type HipccLauncherSupport } from '../../launcher/hipcc-launcher-support.js';
import { hipccFile, selfCommand } from '../../launcher/plan-launch.js';
import { readManifest } from '../../shim/manifest.js';
import { printableJson, printableValue } from '../printable.js';

interface Args {
  json: boolean;
}

export interface PurposeChoice extends CacheChoice {
  facts: CacheFacts | undefined;
  // A one-line caveat, where the choice will not cache this kind of compile.
  warning: string | undefined;
  // Which of the cache's own settings HIP_CLANG_LAUNCHER_BASEDIR becomes, or why none.
  baseDir: string;
}

// A chosen cache whose `--version` printed no version most likely does not
// run here (an sccache built for a newer glibc, say): said by which-cache and
// doctor alike.
export function unknownVersionWarning(file: string | undefined, facts: CacheFacts | undefined): string | undefined {
  if (!file || !facts || facts.version !== undefined) return undefined;
  return `its version could not be learned (\`${file} --version\` printed none): it may not run here; check that ${file} runs`;
}

// What HIP_CLANG_LAUNCHER_BASEDIR maps to for this cache version.
export function baseDirSupport(facts: CacheFacts | undefined): string {
  if (facts?.kind === 'ccache') return `${BASEDIR_VAR} -> ${CCACHE_BASEDIR} (one directory)`;
  if (facts?.kind !== 'sccache') return `${BASEDIR_VAR}: no cache setting to map it to`;
  return `${BASEDIR_VAR}: paths under it handed to sccache relative to the working directory, as ccache's base_dir (not SCCACHE_BASEDIRS); calls with -g, -fgpu-rdc, coverage, sanitizers or prefix maps keep theirs and miss in another checkout`;
}

// The cache each kind of compile would use: HIP may differ from C/C++ (auto
// mode passes over a cache too old to cache HIP).
export function chooseForEach(): Record<'c/c++' | 'hip', PurposeChoice> {
  const host = createHost();
  const one = (purpose: CachePurpose): PurposeChoice => {
    const choice = chooseCache(host, true, purpose);
    const facts = choice.file && choice.kind ? learnCacheFacts(choice.file, choice.kind, host) : undefined;
    const warning =
      purpose === 'hip' && facts?.cachesHip === false
        ? `${facts.kind} ${facts.version?.join('.')} cannot cache HIP: HIP compiles pass through it uncached (sccache 0.8+ or ccache can)`
        : unknownVersionWarning(choice.file, facts);
    return { ...choice, facts, warning, baseDir: baseDirSupport(facts) };
  };
  return { 'c/c++': one('other'), hip: one('hip') };
}

export interface HipccRoute {
  file: string;
  support: HipccLauncherSupport;
  // The way to get its compiles cached, in a line.
  route: string;
}

// The hipcc on PATH, whether it honours HIP_CLANG_LAUNCHER (the memoised
// probe the launcher itself uses), and so which route caches its compiles.
export function hipccOnPath(): HipccRoute | undefined {
  const host = createHost();
  const found = findProgram('hipcc', host);
  const file = found && hipccFile(found, found, host);
  if (!file) return undefined;
  const support = learnHipccLauncherSupport(file, selfCommand(host), host);
  if (support === 'honours') {
    return { file, support, route: 'the launcher: `hip-clang-launcher hipcc ...` (or HIP_CLANG_LAUNCHER=<launcher>) caches each clang call it makes' };
  }
  // The shim is a clang in hipcc's HIP_CLANG_PATH: hipcc runs it like any clang, and it caches.
  const clangDir = host.env.HIP_CLANG_PATH;
  let shimmed = false;
  try {
    shimmed = clangDir !== undefined && readManifest(clangDir) !== undefined;
  } catch {
    // A damaged manifest is `status`'s to report; here it only means "not known to be shimmed".
  }
  const why = support === 'unknown' ? 'could not be probed (every run failed)' : `${support} HIP_CLANG_LAUNCHER`;
  return {
    file,
    support,
    route: shimmed
      ? `the shim, installed in HIP_CLANG_PATH=${clangDir}: it ${why}, so through the launcher it runs uncached, and its clang calls are cached by the shim`
      : `the shim: it ${why}, so through the launcher it runs uncached; \`hip-clang-launcher install <its clang directory>\` caches its clang calls again`,
  };
}

// ` (sccache 0.10.0, caches HIP)`, or '' with nothing known.
export function describeFacts(facts: CacheFacts | undefined): string {
  if (!facts) return '';
  const version = facts.version ? ` ${facts.version.join('.')}` : ' (version unknown)';
  const hip = facts.cachesHip === undefined ? '' : facts.cachesHip ? ', caches HIP' : ', cannot cache HIP';
  return ` (${facts.kind}${version}${hip})`;
}

// Prints which cache a compile would use right now, and why.
export const whichCacheCommand: CommandModule<object, Args> = {
  command: 'which-cache',
  describe: `show which cache HIP and C/C++ compiles would use, and why (${CACHE_VAR})`,
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  handler: (args) => {
    const choices = chooseForEach();
    const hipcc = hipccOnPath();
    // Paths and reasons may carry what a file or a program said: one line each, escaped.
    const say = (line: string) => console.log(printableValue(line));
    if (args.json) {
      console.log(printableJson({ ...choices, hipcc: hipcc ?? null }));
      return;
    }
    say(`setting: ${CACHE_VAR}=${choices.hip.setting}`);
    for (const [label, choice] of Object.entries(choices)) {
      say(`${label}:${' '.repeat(6 - label.length)} ${choice.file ?? 'none (compiles run directly)'}${describeFacts(choice.facts)}`);
      say(`  reason: ${choice.reason}`);
      if (choice.warning) say(`  warning: ${choice.warning}`);
      if (choice.file) say(`  base dir: ${choice.baseDir}`);
      for (const c of choice.considered) {
        say(`  considered ${c.file}${c.skipped ? ` (skipped: ${c.skipped})` : ''}`);
      }
    }
    say(`hipcc:  ${hipcc ? hipcc.file : 'none on PATH'}`);
    if (hipcc) say(`  route: ${hipcc.route}`);
  },
};
