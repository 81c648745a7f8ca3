import type { Host } from '../../host.js';
import { BYPASS_VAR } from '../../launcher/env-vars.js';
import { planLaunch } from '../../launcher/plan-launch.js';
import { errorFinding, finding, type Finding } from './finding.js';

// What the launcher would do, in this environment, to sample HIP compiles:
// planLaunch itself, with the compiler taken as given (nothing is run).

export const SAMPLE_COMPILES: readonly (readonly string[])[] = [
  ['-x', 'hip', '--offload-arch=gfx90a', '-c', 'k.hip', '-o', 'k.o'],
  ['-x', 'hip', '--offload-arch=gfx90a', '-fgpu-rdc', '-c', 'k.hip', '-o', 'k.o'],
  ['-x', 'hip', '--offload-arch=gfx90a', '--offload-compress', '-c', 'k.hip', '-o', 'k.o'],
];

export function checkSampleCompile(args: readonly string[], host: Host): Finding {
  const shown = `clang++ ${args.join(' ')}`;
  let plan;
  try {
    plan = planLaunch({ compiler: 'clang++', args: [...args], resolvedCompiler: 'clang++' }, host);
  } catch (error) {
    const f = errorFinding('rules', error, 'fix the setting it names');
    return { ...f, found: `${shown}: ${f.found}` };
  }
  const rules = plan.rules;
  const decisions = rules?.decisions ?? [];
  const named = decisions.length ? `; rules: ${decisions.map((d) => d.rule).join(', ')}` : '';
  const why = decisions.length ? `; rules: ${decisions.map((d) => `${d.rule} (${d.reason})`).join('; ')}` : '';
  switch (plan.route) {
    case 'cache': {
      const added = rules?.addArgs.length ? `, adding ${rules.addArgs.join(' ')}` : '';
      const found = `${shown}: to ${plan.cache?.file}${added}${named}`;
      if (rules?.warnings.length) return finding('rules', 'fail', `${found}; but ${rules.warnings.join('; ')}`, 'see the cache finding');
      return finding('rules', 'ok', found);
    }
    case 'direct':
      // The launcher routing around a cache defect is the setup working as designed: nothing to fix here.
      return finding('rules', 'ok', `${shown}: compiled directly, uncached but correct (a cache version that handles this shape, ccache 4.11+, would cache it)${why}`);
    case 'bypass':
      return finding('rules', 'fail', `${shown}: runs uncached (${plan.reason})`, `unset ${BYPASS_VAR}`);
    case 'no-cache':
      return finding('rules', 'fail', `${shown}: runs uncached (${plan.reason})`, 'see the cache finding');
    default:
      return finding('rules', 'warn', `${shown}: route ${plan.route} (${plan.reason})`, 'run doctor outside a build');
  }
}
