import { CCACHE_DEPEND, CCACHE_NODEPEND } from '../env-vars.js';
import { userChoice, type Rule } from './rule.js';
import { deviceDepfileWritten } from './mishandled-shapes.js';

// On a miss ccache runs the preprocessor before compiling; for HIP that is a
// host and a device pass over the HIP headers, +25-30% on a cold build. A
// compile that writes a depfile (-MD/-MMD, as CMake and Ninja ask) already
// names its headers, and ccache's depend mode keys on that instead. A
// device-only compile only where its depfile is written (clang 15, or the
// -cc1 told it, as the split's device parts are: mishandled-shapes.ts).
export const dependMode: Rule = {
  name: 'depend-mode',
  summary: 'HIP compiles with -MD/-MMD use ccache\'s depend mode (no extra preprocessor pass on a miss)',
  decide(call, world) {
    if (!call.offload || !call.depfile || world.cache?.facts.kind !== 'ccache') return undefined;
    if (call.offloadMode === 'device-only' && !deviceDepfileWritten(call, world)) return undefined;
    const chosen = userChoice(world, CCACHE_DEPEND, CCACHE_NODEPEND);
    if (chosen) return { rule: this.name, reason: chosen };
    return { rule: this.name, env: { [CCACHE_DEPEND]: '1' }, reason: `${CCACHE_DEPEND}=1 (the compile writes a depfile)` };
  },
};
