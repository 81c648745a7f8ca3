import type { CacheFacts } from '../cache-facts.js';
import type { ConfigEntry } from '../cache-config.js';
import type { HipccLauncherSupport } from '../hipcc-launcher-support.js';
import type { ParsedCall } from '../parse-call.js';
import type { OutputKinds } from '../output-kinds.js';
import type { ToolchainIdentity } from '../toolchain-digest.js';
import type { CuidInput } from './cuid.js';

// The shape every HIP rule has: a pure function of the parsed call and what
// is known of the world, returning nothing or one decision with its reason.
// Rules never read the environment or the file system themselves.

export interface World {
  platform: NodeJS.Platform;
  cwd: string;
  // The cache the call would go to; undefined when there is none.
  cache: { file: string; facts: CacheFacts; explicit: boolean } | undefined;
  settings: {
    cuid: boolean;
    baseDirs: string[];
    split?: boolean;
    splitAsked?: boolean;
  };
  // The cache settings (env-vars.ts CACHE_SETTING_VARS) the user set in the environment: theirs win.
  userCacheVars: ReadonlySet<string>;
  // The same settings where the cache's own config file sets them (cache-config.ts), by the variable that would override them.
  configCacheVars: ReadonlyMap<string, ConfigEntry>;
  // The compiler's (and for HIP the device libraries') digest, when it could be read.
  toolchain: ToolchainIdentity | undefined;
  // For the hipcc route: how hipcc can reach this launcher, and whether the user already set the variable.
  selfCommand: string;
  hipClangLauncherSet: boolean;
  // Whether this hipcc binary honours HIP_CLANG_LAUNCHER (memoised probe); learned only when needed.
  hipccLauncher: HipccLauncherSupport | undefined;
  // The compiler's major version; learned only for shapes whose handling depends on it.
  clangMajor: number | undefined;
  // Whether -o and -MF name regular files (a stat each); undefined when no cache is in play.
  outputs: OutputKinds | undefined;
  // The input of a call that gets a -cuid (its real path, and its digest under a base dir); learned only then.
  cuidInput?: CuidInput;
}

export type RouteChange = 'direct' | 'hipcc';

export interface Decision {
  rule: string;
  reason: string;
  // Arguments added at the end of the compiler's argv.
  addArgs?: string[];
  // The call's own arguments as the cache gets them (same length and order,
  // paths rewritten); the direct fallback keeps them as written.
  args?: string[];
  // Environment entries set for the compiler (or cache) process.
  env?: Record<string, string>;
  // Overrides the cache route: `direct` runs the compiler uncached, `hipcc`
  // runs hipcc uncached with the launcher variable set so its clang calls come back cached.
  route?: RouteChange;
  // One line for the user on stderr.
  warning?: string;
  // Recorded in the log.
  cuid?: string;
  // Run the call as parts, each through the cache (run-parts.ts); the whole call is the fallback.
  split?: SplitKind;
}

// per-arch: a HIP compile as per-arch device compiles, the driver's bundling and the host compile.
// compile-link: a single-step compile-and-link as one compile per source, then the link.
export type SplitKind = 'per-arch' | 'compile-link';

// What the rules see: the world, and facts about the call that more than one
// rule needs, derived once (applyRules) so no rule asks another for them.
export interface RuleContext extends World {
  // The cuid rule adds a -cuid to this call (cuid.ts wantsCuid, with a cache in play).
  idAdded: boolean;
}

export interface Rule {
  name: string;
  // What the rule is for, in a line (shown by `doctor` and the README table).
  summary: string;
  decide(call: ParsedCall, world: RuleContext): Decision | undefined;
}

// Why the launcher leaves a cache setting alone, when the user chose it: in
// the environment, or in the cache's config file (which an added environment
// value would silently override). Undefined: nobody did, the launcher may add it.
export function userChoice(world: World, ...variables: string[]): string | undefined {
  for (const variable of variables) {
    if (world.userCacheVars.has(variable)) return `${variable} is set: the user's value wins`;
  }
  for (const variable of variables) {
    const entry = world.configCacheVars.get(variable);
    if (entry) return `${entry.key} = ${entry.value} in ${entry.file}: the cache config's value wins, the launcher adds no ${variable}`;
  }
  return undefined;
}
