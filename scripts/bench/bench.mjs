// npm run bench: what the launcher costs per compile and what it saves per
// build, measured side by side in one run; writes BENCHMARKS.md and
// benchmarks.json. Node built-ins only, so the harness is not what is measured.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGroup } from './groups/build.mjs';
import { ciHits } from './groups/ci-hits.mjs';
import { envSize } from './groups/env-size.mjs';
import { hipHit } from './groups/hip-hit.mjs';
import { makefileGroup } from './groups/makefile.mjs';
import { memory } from './groups/memory.mjs';
import { perCall } from './groups/per-call.mjs';
import { splitGroup } from './groups/split.mjs';
import { describeMachine } from './machine.mjs';
import { fail, parseOptions } from './options.mjs';
import { freshCopy, repoRoot, useFreshCopies } from './prerequisites.mjs';
import { writeReport } from './report.mjs';
import { runGroup } from './run-group.mjs';
import { evaluateTargets } from './targets.mjs';

const ALL_GROUPS = [perCall, hipHit, memory, buildGroup, ciHits, envSize];
// Run only when named in --only: the split group builds real rocPRIM code in
// the sid lab for several minutes (too long for a full run's budget and CI's smoke test);
// so does the makefile group (rocThrust's examples by plain make).
const OPT_IN_GROUPS = [splitGroup, makefileGroup];

const options = parseOptions(process.argv.slice(2), repoRoot);
if (options.render) {
  let report;
  try {
    report = JSON.parse(readFileSync(options.render, 'utf8'));
  } catch (error) {
    fail(`--render ${options.render} cannot be read as a benchmarks.json: ${error.message}`, false);
  }
  try {
    console.error(`bench: wrote ${writeReport(report, options.out, { markdownOnly: true }).join(', ')}`);
  } catch (error) {
    fail(`--render ${options.render}: cannot render it into ${options.out}: ${error.message}`, false);
  }
  process.exit(0);
}
const unknown = (options.only ?? []).filter((id) => ![...ALL_GROUPS, ...OPT_IN_GROUPS].some((g) => g.id === id));
if (unknown.length) {
  console.error(`bench: unknown group ${unknown.join(', ')}; groups: ${[...ALL_GROUPS, ...OPT_IN_GROUPS].map((g) => g.id).join(', ')}`);
  process.exit(2);
}
const groups = options.only ? [...ALL_GROUPS, ...OPT_IN_GROUPS].filter((g) => options.only.includes(g.id)) : ALL_GROUPS;

const work = mkdtempSync(join(tmpdir(), 'hcl-bench-'));
useFreshCopies(join(work, 'bin'));
const ctx = { work, quick: options.quick, node: freshCopy(process.env.HCL_NODE || process.execPath, 'node') };
// Described first: the load average is the one the run started under, and the fresh copies still exist.
const machine = describeMachine(ctx);
const results = [];
try {
  for (const group of groups) results.push(await runGroup(group, ctx, options));
} finally {
  if (options.keep) console.error(`bench: work directory kept at ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

const report = {
  mode: options.quick ? 'quick' : 'full',
  date: new Date().toISOString(),
  machine,
  groups: results,
  targets: evaluateTargets(results),
};
const written = writeReport(report, options.out);
console.error(`bench: wrote ${written.join(', ')}`);

const failed = results.flatMap((g) => g.cases.filter((c) => !c.ok).map((c) => `${g.id}/${c.id}: ${c.error}`));
if (failed.length) {
  console.error(`bench: ${failed.length} case(s) FAILED:\n  ${failed.join('\n  ')}`);
  process.exit(1);
}
