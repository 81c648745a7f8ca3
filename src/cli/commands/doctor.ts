import type { CommandModule } from 'yargs';
import { createHost } from '../../host.js';
import { launcherPath } from '../../patch/launcher-path.js';
import { checkBaseDir } from '../doctor/base-dir.js';
import { checkCacheChoice, checkCacheStarts } from '../doctor/caches.js';
import { checkCacheConfig } from '../doctor/cache-config.js';
import { checkEmptySccacheVars, checkHipPlatform, checkNodeOptions, checkRelativePathCaches } from '../doctor/environment.js';
import { blocksCaching, finding, formatFinding, type Finding } from '../doctor/finding.js';
import { checkSampleCompile, SAMPLE_COMPILES } from '../doctor/hip-rules.js';
import { checkHipcc, resolveTargets } from '../doctor/hipcc.js';
import { readShimStatus, shimFinding } from '../doctor/shim.js';
import { checkSplit } from '../doctor/split.js';
import { printableJson, printableValue } from '../printable.js';

interface Args {
  targets: string[];
  json: boolean;
}

// The whole setup as a build meets it, one line per finding. Exit 0: nothing
// stops caching; 1: something does (a `fail` line); 2: bad usage.
export async function runDoctor(given: readonly string[]): Promise<Finding[]> {
  const host = createHost();
  const launcher = launcherPath();
  const targets = resolveTargets(given, host);
  const findings: Finding[] = [];

  const platform = checkHipPlatform(host, targets.hipccs.length > 0);
  const trees = [...targets.trees];
  if (targets.hipccs.length === 0) {
    findings.push(finding('hipcc', 'warn', 'no hipcc given or on PATH: no hipcc route to check (CMake\'s HIP language and clang need none)', 'hip-clang-launcher doctor <the hipcc your build runs, or its ROCm root>'));
  }
  for (const hipcc of targets.hipccs) {
    const check = await checkHipcc(hipcc, host, launcher, platform.status === 'fail');
    findings.push(check.finding);
    if (check.shimTree) trees.push(check.shimTree);
  }
  findings.push(platform);

  const chosen = checkCacheChoice();
  findings.push(...chosen.findings);
  for (const cache of chosen.caches) findings.push(await checkCacheStarts(cache, host));
  findings.push(...checkCacheConfig(chosen.caches, host));
  findings.push(checkEmptySccacheVars(host, chosen.caches.some((c) => c.kind === 'sccache')));
  findings.push(checkRelativePathCaches(host, chosen.caches[0]?.file));
  findings.push(checkBaseDir(host, chosen.caches));
  findings.push(checkNodeOptions(host));
  findings.push(checkSplit(host));

  const seen = new Set<string>();
  for (const tree of trees) {
    const { status, error } = readShimStatus(tree, host.cwd);
    if (error) findings.push(error);
    if (!status || seen.has(status.bin)) continue;
    seen.add(status.bin);
    findings.push(shimFinding(tree, status));
  }
  for (const args of SAMPLE_COMPILES) findings.push(checkSampleCompile(args, host));
  return findings;
}

export const doctorCommand: CommandModule<object, Args> = {
  command: 'doctor [targets..]',
  describe: 'check the whole setup a HIP build meets: hipcc routes, caches, shims, environment traps; exit 1 if anything stops caching',
  builder: (y) =>
    y
      .positional('targets', { type: 'string', array: true, default: [], describe: 'hipcc executables, ROCm roots or llvm bin dirs (default: the hipcc on PATH)' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  handler: async (args) => {
    const findings = await runDoctor(args.targets);
    const blocking = blocksCaching(findings);
    process.exitCode = blocking ? 1 : 0;
    if (args.json) {
      console.log(printableJson({ blocksCaching: blocking, findings }));
      return;
    }
    // A finding may quote a program's output: one line each, escaped.
    for (const f of findings) console.log(printableValue(formatFinding(f)));
  },
};
