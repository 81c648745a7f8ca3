import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCorpus } from './corpus-report.mjs';
import { summarize } from './summary.mjs';

// BENCHMARKS.md for people, benchmarks.json for tools; both from one report object.
export function writeReport(report, outDir, { markdownOnly = false } = {}) {
  const md = join(outDir, 'BENCHMARKS.md');
  const json = join(outDir, 'benchmarks.json');
  // The correctness corpus runs on its own (scripts/corpus.mjs); its last
  // result is carried into every rendering of the page.
  const corpusJson = join(outDir, 'corpus.json');
  const corpus = report.corpus ?? (existsSync(corpusJson) ? JSON.parse(readFileSync(corpusJson, 'utf8')) : undefined);
  // The split group runs only when named (--only split, minutes of real
  // builds in the lab): its last result is kept in split.json and carried
  // into every rendering that did not run it, as the corpus is.
  const splitJson = join(outDir, 'split.json');
  const split = report.groups.find((g) => g.id === 'split');
  if (split && !markdownOnly) writeFileSync(splitJson, `${JSON.stringify({ date: report.date, loadAverage: report.machine?.loadAverage, group: split, targets: report.targets.filter((t) => t.id.startsWith('split-')) }, null, 2)}\n`);
  const carried = !split && existsSync(splitJson) ? JSON.parse(readFileSync(splitJson, 'utf8')) : undefined;
  const withSplit = carried
    ? {
        ...report,
        groups: [
          ...report.groups,
          {
            ...carried.group,
            title: `${carried.group.title} (from \`npm run bench -- --only split\` on ${carried.date.slice(0, 10)})`,
            notes: [...carried.group.notes, ...(carried.loadAverage ? [`Load average when that run started: ${carried.loadAverage.join(' / ')} (1 / 5 / 15 min).`] : [])],
          },
        ],
        targets: [...report.targets, ...carried.targets],
      }
    : report;
  writeFileSync(md, renderMarkdown({ ...withSplit, corpus }));
  if (markdownOnly) return [md];
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  return [md, json];
}

export function renderMarkdown(report) {
  const lines = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\`${report.mode === 'quick' ? ' (--quick: a smoke test, the numbers mean nothing)' : ''} on ${report.date.slice(0, 10)}.`,
    'Every case of a table ran in the same rounds, taking turns, so the ratios are side by side; on another machine only the ratios carry over.',
    'Times are wall time from spawn to exit as seen by the parent process: the median, and p10-p90 for the spread.',
    'The launcher, the shim and the Node they are compared with run from fresh copies in a temporary directory: on this machine the same bytes started 1-2 ms slower from a file written long before.',
    '',
    '## Summary',
    '',
    ...summarize(report.groups).map((line) => `- ${line}`),
    '',
    '## Targets',
    '',
    '| target | this run | status |',
    '|---|---|---|',
    ...report.targets.map((t) => `| ${t.text} | ${t.shown} | ${t.status === 'met' ? 'met' : `**${t.status}**`} |`),
    '',
  ];
  for (const group of report.groups) lines.push(...renderGroup(group));
  if (report.corpus) lines.push(...renderCorpus(report.corpus));
  lines.push(...renderMachine(report.machine), ...REPRODUCE);
  return `${lines.join('\n')}\n`;
}

function renderGroup(group) {
  const unit = group.unit;
  const ref = group.cases.find((c) => c.id === group.reference);
  const extras = Object.entries(group.columns);
  const lines = [
    `## ${group.title}`,
    '',
    `${group.runs} measured round(s) per case after ${group.warmup} warm-up round(s); ${group.seconds} s in all.`,
    '',
    `| case | median ${unit} | p10-p90 ${unit} | n | ${ref ? `vs ${ref.id}` : ''} |${extras.map(([, title]) => ` ${title} |`).join('')}`,
    `|---|---:|---:|---:|---:|${'---:|'.repeat(extras.length)}`,
  ];
  for (const c of group.cases) {
    if (!c.ok) {
      lines.push(`| ${c.label} | **FAILED** | ${escapeCell(c.error)} | | |${' |'.repeat(extras.length)}`);
      continue;
    }
    const s = c.stats;
    const vs = c.ratio === undefined ? '' : `${c.ratio.toFixed(2)}x`;
    const more = extras.map(([key]) => ` ${typeof c.extra?.[key] === 'number' ? fmt(c.extra[key], unit) : (c.extra?.[key] ?? '')} |`).join('');
    lines.push(`| ${c.label} | ${fmt(s.median, unit)} | ${fmt(s.p10, unit)}-${fmt(s.p90, unit)} | ${s.n} | ${vs} |${more}`);
  }
  lines.push('');
  for (const note of group.notes) lines.push(`- ${note}`);
  if (group.notes.length) lines.push('');
  return lines;
}

function fmt(x, unit) {
  if (!Number.isFinite(x)) return '-';
  if (Number.isInteger(x) && unit !== 's') return String(x);
  if (unit === 's') return x.toFixed(2);
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1);
}

function escapeCell(text) {
  return String(text).replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function renderMachine(m) {
  return [
    '## Machine and versions',
    '',
    `- ${m.cpu}, ${m.nproc} CPUs (nproc), ${m.memoryGiB} GiB memory; ${m.os}, kernel ${m.kernel}`,
    `- load average when the bench started: ${m.loadAverage.join(' / ')} (1 / 5 / 15 min; the machine may be shared)`,
    ...Object.entries(m.versions).map(([k, v]) => `- ${k}: ${v}`),
    '',
  ];
}

const REPRODUCE = [
  '## Reproduce',
  '',
  '```sh',
  'npm run provision   # Debian 12: clang-15, hipcc, device libs, ccache, the HIP-capable sccache, Node 24',
  'npm run build       # dist/linux-x64/hip-clang-launcher',
  'npm run bench       # all groups, rewrites BENCHMARKS.md and benchmarks.json',
  'npm run bench -- --only per-call --runs 100   # one group, more rounds',
  'npm run bench -- --quick --out "$(mktemp -d)"   # the CI smoke test',
  'npm run bench -- --render benchmarks.json      # rewrite BENCHMARKS.md from a JSON report',
  'npm run bench -- --only split --out <dir>   # the per-arch split on rocPRIM in the sid lab (opt-in); copy <dir>/split.json here to carry it into this page',
  'node scripts/corpus.mjs   # the HIP cache-correctness corpus, in the sid lab and on the host: corpus.json and its sections here',
  '```',
  '',
  'Close other heavy work first: the cases take turns, so noise lands on all of them alike, but it still widens the spread.',
];
