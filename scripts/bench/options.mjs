import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

const USAGE = `usage: npm run bench -- [--quick] [--out <dir>] [--only <group,...>] [--runs <n>] [--keep] [--render <json>]
  --quick         a few iterations of each case (a smoke test; numbers are not meaningful)
  --out <dir>     where BENCHMARKS.md and benchmarks.json go (default: the repository root)
  --only <ids>    run only these groups: per-call, hip-hit, memory, build, ci-hits, env-size, and split
                  (the per-arch split on rocPRIM in the sid lab: only when named here), and makefile
                  (rocThrust's examples by plain make in the sid lab: only when named here)
  --runs <n>      timed rounds per case instead of the group's default
  --keep          keep the work directory (printed at the end)
  --render <json> measure nothing: write BENCHMARKS.md (into --out) from an earlier benchmarks.json`;

export function parseOptions(argv, repoRoot) {
  const options = { quick: false, out: repoRoot, only: undefined, runs: undefined, keep: false, render: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) fail(`${arg} needs a value`);
      return v;
    };
    if (arg === '--quick') options.quick = true;
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--out') options.out = isAbsolute(value()) ? argv[i] : resolve(argv[i]);
    else if (arg === '--only') options.only = value().split(',');
    else if (arg === '--render') options.render = resolve(value());
    else if (arg === '--runs') {
      options.runs = Number(value());
      if (!Number.isInteger(options.runs) || options.runs < 1) fail('--runs needs a whole number of at least 1');
    } else if (arg === '-h' || arg === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else fail(`unknown option '${arg}'`);
  }
  // Checked before anything is measured: a full run takes minutes.
  if (!isDirectory(options.out)) fail(`--out ${options.out} is not an existing directory; create it first`, false);
  return options;
}

function isDirectory(path) {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function fail(message, usage = true) {
  // One line, whatever an error message quoted (JSON.parse quotes the file's bytes).
  const line = `bench: ${message.replace(/\s*\n\s*/g, ' ')}`;
  console.error(usage ? `${line}\n${USAGE}` : line);
  process.exit(2);
}
