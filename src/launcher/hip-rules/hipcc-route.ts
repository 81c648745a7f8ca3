import type { Rule } from './rule.js';
import { HIP_CLANG_LAUNCHER_VAR } from '../env-vars.js';

// hipcc reads its own environment (HIPCC_COMPILE_FLAGS_APPEND, HIP_CLANG_PATH,
// ROCM_PATH, ...), which changes the clang command it runs and is in no
// cache's key: a cache in front of hipcc can hand back another setting's
// object. So hipcc always runs uncached, with HIP_CLANG_LAUNCHER pointing back
// here: each clang call it makes, with that environment already expanded
// into its argv, then comes through the launcher and is cached correctly.
// A hipcc that ignores the variable (ROCm before 7.13 unpatched, Debian's perl
// hipcc) or mangles it (upstream's on Windows) runs directly: uncached unless
// the shim stands in for the clang it runs, and right either way.
const SHIM_ADVICE = 'install the shim in the clang directory it runs (`hip-clang-launcher install <dir>`) or patch it (`hip-clang-launcher patch`)';

export const hipccRoute: Rule = {
  name: 'hipcc-not-cached',
  summary: 'hipcc itself never reaches a cache; its clang calls come back through the launcher where it honours HIP_CLANG_LAUNCHER',
  decide(call, world) {
    if (call.driver !== 'hipcc') return undefined;
    if (world.hipClangLauncherSet) {
      return { rule: this.name, route: 'hipcc', reason: `hipcc runs uncached; ${HIP_CLANG_LAUNCHER_VAR} is already set for its clang calls` };
    }
    switch (world.hipccLauncher) {
      case 'ignores':
        return { rule: this.name, route: 'direct', reason: `this hipcc ignores ${HIP_CLANG_LAUNCHER_VAR}: it runs directly, uncached; ${SHIM_ADVICE}` };
      case 'mangles':
        return { rule: this.name, route: 'direct', reason: `this hipcc passes the compiler to ${HIP_CLANG_LAUNCHER_VAR} mangled: it runs directly, uncached; ${SHIM_ADVICE}` };
      case 'unknown':
        return { rule: this.name, route: 'direct', reason: `could not tell whether this hipcc honours ${HIP_CLANG_LAUNCHER_VAR} (every probe run failed): it runs directly, uncached` };
      default:
        return {
          rule: this.name,
          route: 'hipcc',
          env: { [HIP_CLANG_LAUNCHER_VAR]: world.selfCommand },
          reason: `hipcc runs uncached with ${HIP_CLANG_LAUNCHER_VAR} set to the launcher, so its clang calls are cached`,
        };
    }
  },
};
