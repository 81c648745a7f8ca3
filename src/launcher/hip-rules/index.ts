import type { ParsedCall } from '../parse-call.js';
import { baseDir } from './base-dir.js';
import { cuid, wantsCuid } from './cuid.js';
import { dependMode } from './depend-mode.js';
import { hipCapableCache } from './hip-capable-cache.js';
import { hipccRoute } from './hipcc-route.js';
import { mishandledShapes } from './mishandled-shapes.js';
import { split } from './split.js';
import { toolchainIdentity } from './toolchain-identity.js';
import type { Decision, Rule, RouteChange, RuleContext, SplitKind, World } from './rule.js';

// Every HIP rule the launcher has, in the order they apply (ccache's option
// table is the model: reading this list tells what the launcher does to a
// call). The first rule that changes the route ends the list: a call that
// will not reach the cache needs nothing else.
export const HIP_RULES: readonly Rule[] = [hipccRoute, hipCapableCache, mishandledShapes, cuid, baseDir, toolchainIdentity, dependMode, split];

export interface RulesOutcome {
  decisions: Decision[];
  route: RouteChange | undefined;
  addArgs: string[];
  // The call's arguments rewritten for the cache, when a rule rewrote them.
  args: string[] | undefined;
  env: Record<string, string>;
  warnings: string[];
  cuid: string | undefined;
  // Run as parts (run-parts.ts), the whole call being the fallback.
  split: SplitKind | undefined;
}

export function applyRules(call: ParsedCall, world: World, rules: readonly Rule[] = HIP_RULES): RulesOutcome {
  const outcome: RulesOutcome = { decisions: [], route: undefined, addArgs: [], args: undefined, env: {}, warnings: [], cuid: undefined, split: undefined };
  // Only for the cache: a direct compile keeps clang's own id.
  const context: RuleContext = { ...world, idAdded: wantsCuid(call, world.settings) && world.cache !== undefined };
  for (const rule of rules) {
    const decision = rule.decide(call, context);
    if (!decision) continue;
    outcome.decisions.push(decision);
    if (decision.warning) outcome.warnings.push(decision.warning);
    if (decision.route) {
      outcome.route = decision.route;
      // What earlier rules added was for the cache; the route change drops it.
      outcome.addArgs = [];
      outcome.args = undefined;
      outcome.cuid = undefined;
      outcome.env = { ...decision.env };
      break;
    }
    if (decision.addArgs) outcome.addArgs.push(...decision.addArgs);
    if (decision.args) outcome.args = decision.args;
    if (decision.env) Object.assign(outcome.env, decision.env);
    if (decision.cuid) outcome.cuid = decision.cuid;
    if (decision.split) outcome.split = decision.split;
  }
  return outcome;
}
