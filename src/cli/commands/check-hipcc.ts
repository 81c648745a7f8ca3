import type { CommandModule } from 'yargs';
import { HclError } from '../../errors.js';
import { hipccVerdict, type HipccVerdict } from '../../patch/hipcc-verdict.js';
import { DEFAULT_PROBE_TIMEOUT_MS, probeHipcc, type ProbeResult } from '../../patch/probe-hipcc.js';
import { printableJson, printableValue } from '../printable.js';

interface Args {
  hipcc: string;
  json: boolean;
  timeout: number;
}

// Which route a given hipcc needs, by a real probe. Exit status: 0 = the
// launcher route works now; 1 = this hipcc needs the shim or a patch; 3 = it
// cannot find its clang or compile here (set what it names, run again).
export const checkHipccCommand: CommandModule<object, Args> = {
  command: 'check-hipcc <hipcc>',
  describe: 'run a hipcc to see whether it honours HIP_CLANG_LAUNCHER and compiles here; say which route to take',
  builder: (y) =>
    y
      .positional('hipcc', { type: 'string', demandOption: true, describe: 'the hipcc executable to test' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
      .option('timeout', { type: 'number', default: DEFAULT_PROBE_TIMEOUT_MS / 1000, describe: 'seconds each hipcc run may take' }),
  handler: async (args) => {
    if (!(args.timeout > 0)) throw new HclError('usage', `--timeout must be a positive number of seconds, not ${args.timeout}`, 'give e.g. --timeout 60');
    const probe = await probeHipcc(args.hipcc, { timeoutMs: args.timeout * 1000 });
    const verdict = hipccVerdict(probe);
    process.exitCode = verdict.exitCode;
    if (args.json) console.log(printableJson({ ...verdict, probe }));
    // What hipcc printed is quoted: each line escaped.
    else console.log(describe(probe, verdict).map(printableValue).join('\n'));
  },
};

function describe(probe: ProbeResult, verdict: HipccVerdict): string[] {
  const ran = probe.runs.map((r) => `hipcc ${r.args.join(' ')} (exit ${r.exitCode})`).join(', then ');
  const out = [`hipcc:  ${probe.hipcc}`, `probe:  ran ${ran} with HIP_CLANG_LAUNCHER=${probe.launcher}`];
  for (const line of verdict.lines) out.push(`${`[${line.status}]`.padEnd(7)} ${line.found}${line.fix ? `; fix: ${line.fix}` : ''}`);
  const set = Object.entries(verdict.set).map(([name, value]) => `${name}=${value}`);
  if (set.length > 0) out.push(`set:    ${set.join(' ')}`);
  out.push(`route:  ${routeLine(probe, verdict)}`);
  return out;
}

function routeLine(probe: ProbeResult, verdict: HipccVerdict): string {
  switch (verdict.route) {
    case 'launcher':
      return verdict.exitCode === 0
        ? `launcher: set HIP_CLANG_LAUNCHER=${probe.launcher} in the build environment`
        : `launcher, once hipcc compiles here: fix the above, then set HIP_CLANG_LAUNCHER=${probe.launcher}`;
    case 'patch':
      return 'patch its source (hip-clang-launcher patch <dir>) and rebuild it, or the shim (hip-clang-launcher install)';
    case 'shim':
      return 'shim (hip-clang-launcher install), or patch its source (hip-clang-launcher patch <dir>) and rebuild it';
    case 'unknown':
      return 'unknown until hipcc finds its clang: set the variables above and run check-hipcc again';
  }
}
