import { HclError } from '../errors.js';
import { pathModuleFor, type Host } from '../host.js';
import { hasPathSeparator } from '../invocation.js';
import { CACHE_VAR } from './env-vars.js';
import { learnCacheFacts, type CacheFacts } from './cache-facts.js';
import { findProgramCandidates, isSelf, type Candidate } from './find-program.js';

// Chooses the compiler cache for a call, from HIP_CLANG_LAUNCHER_CACHE:
//   auto (or unset)  sccache, then ccache, from PATH and the usual places; none found: compile directly
//   sccache, ccache  that one, found the same way; missing: an error
//   none             compile directly
//   <absolute path>  that program; missing: an error

export type CacheKind = 'sccache' | 'ccache' | 'other';

export interface CacheChoice {
  // undefined: compile without a cache.
  file: string | undefined;
  kind: CacheKind | undefined;
  setting: string;
  reason: string;
  considered: Candidate[];
  // The chosen cache's facts when choosing needed them (auto mode for HIP), so the call reads its memo once.
  facts?: CacheFacts;
}

const AUTO_ORDER = ['sccache', 'ccache'] as const;

export function cacheKindOf(file: string, platform: NodeJS.Platform): CacheKind {
  const p = pathModuleFor(platform);
  const base = p.basename(file).toLowerCase().replace(/\.exe$/, '');
  if (base.startsWith('sccache')) return 'sccache';
  if (base.startsWith('ccache')) return 'ccache';
  return 'other';
}

// What the compile is, for choosing: auto mode never sends HIP to a cache that cannot cache it.
export type CachePurpose = 'hip' | 'other';

// Why auto mode passes over a cache for HIP (undefined: fit). What it learns is kept in `learned`.
function hipUnfit(kind: CacheKind, host: Host, learned: Map<string, CacheFacts>): (file: string) => string | undefined {
  return (file) => {
    const facts = learnCacheFacts(file, kind, host);
    learned.set(file, facts);
    return facts.cachesHip === false ? `${kind} ${facts.version?.join('.') ?? ''} cannot cache HIP (sccache 0.8+ can)` : undefined;
  };
}

// `explain`: list every candidate considered, not just up to the choice (for which-cache).
export function chooseCache(host: Host, explain = false, purpose: CachePurpose = 'other'): CacheChoice {
  const raw = host.env[CACHE_VAR];
  const setting = raw === undefined || raw.trim() === '' ? 'auto' : raw.trim();
  const lowered = setting.toLowerCase();

  if (lowered === 'none') {
    return { file: undefined, kind: undefined, setting, reason: `${CACHE_VAR}=none`, considered: [] };
  }

  if (lowered === 'auto') {
    const considered: Candidate[] = [];
    const learned = new Map<string, CacheFacts>();
    for (const name of AUTO_ORDER) {
      const candidates = findProgramCandidates(name, host, explain, purpose === 'hip' ? hipUnfit(name, host, learned) : undefined);
      considered.push(...candidates);
      const hit = candidates.find((c) => !c.skipped);
      if (hit) {
        const what = purpose === 'hip' ? 'that can cache HIP ' : '';
        return { file: hit.file, kind: name, setting, reason: `auto: first of sccache, ccache ${what}found (${hit.file})`, considered, facts: learned.get(hit.file) };
      }
    }
    const none = purpose === 'hip' ? 'no sccache 0.8+ nor ccache was found for HIP' : 'neither sccache nor ccache was found';
    return { file: undefined, kind: undefined, setting, reason: `auto: ${none}, compiling directly`, considered };
  }

  if (lowered === 'sccache' || lowered === 'ccache') {
    const candidates = findProgramCandidates(lowered, host, explain);
    const hit = candidates.find((c) => !c.skipped);
    if (!hit) {
      throw new HclError(
        'cache-not-found',
        `${CACHE_VAR}=${setting} but no ${lowered} was found on PATH or in the usual install places`,
        `install ${lowered}, set ${CACHE_VAR} to its absolute path, or set ${CACHE_VAR}=auto`,
      );
    }
    return { file: hit.file, kind: lowered, setting, reason: `${CACHE_VAR}=${setting} (${hit.file})`, considered: candidates };
  }

  if (hasPathSeparator(setting, host.platform)) {
    const p = pathModuleFor(host.platform);
    if (!p.isAbsolute(setting)) {
      throw new HclError('bad-config', `${CACHE_VAR}=${setting} is a relative path`, `give the cache's absolute path`);
    }
    if (!host.isExecutableFile(setting)) {
      throw new HclError('cache-not-found', `${CACHE_VAR}=${setting} is not an executable file`, `fix the path, or set ${CACHE_VAR}=auto`);
    }
    if (isSelf(setting, host)) {
      throw new HclError('recursion', `${CACHE_VAR}=${setting} is hip-clang-launcher itself`, `point it at sccache or ccache`);
    }
    return { file: setting, kind: cacheKindOf(setting, host.platform), setting, reason: `${CACHE_VAR}=${setting}`, considered: [{ file: setting }] };
  }

  throw new HclError(
    'bad-config',
    `${CACHE_VAR}=${setting} is not understood`,
    `use auto, sccache, ccache, none, or an absolute path`,
  );
}
