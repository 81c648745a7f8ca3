// The HIP cache-correctness corpus (scripts/corpus.mjs, corpus.json) as
// BENCHMARKS.md sections: the correctness table per route and the offload-mode
// matrix per cache version and compile shape.

const ROUTES = ['ccache', 'sccache', 'launcher+ccache', 'launcher+sccache', 'launcher+ccache+split', 'launcher+sccache+split'];

const LEGEND = [
  '- **cached**: every legitimate rebuild was a hit, and every result was right. **not cached**: the cache passed the call to the compiler itself (right, but no hit).',
  '- **direct**: the launcher sent the shape straight to the compiler. **partly cached**: some of the case\'s compiles hit.',
  '- **stale**: a hit whose object differs from what the same route compiles from the same inputs (after a change: a stale object; before one: another object\'s, such as RDC\'s `b.o` with `a.o`\'s `__hip_cuid_`).',
  '- **wrong**: a link that fails where the uncached one links, or an object that differs from the uncached one where it cannot legitimately differ (explicit `-cuid`, plain C++).',
  '- **fail** / **crash**: the compile failed (a non-zero exit; a signal or panic) where the uncached compile succeeded: a cache-made failure.',
  '- **n/a**: this toolchain\'s clang cannot compile the case at all (uncached), so it is not a cache question.',
];

export function renderCorpus(corpus) {
  const chains = corpus.toolchains;
  const label = (t) => `${t.toolchain} (${short(t.versions.clang)})`;
  const cacheVersion = (t, route) => short(route.includes('sccache') ? t.versions.sccache : t.versions.ccache);
  const routeTitle = (t, id) => `${id.startsWith('launcher') ? 'launcher + ' : ''}${id.includes('sccache') ? 'sccache' : 'ccache'} ${cacheVersion(t, id)}${id.endsWith('+split') ? ', split' : ''}`;
  const lines = [
    '## HIP cache correctness (the corpus)',
    '',
    `Written by \`node scripts/corpus.mjs\` on ${corpus.date.slice(0, 10)}; ${Math.round(corpus.durationMs / 1000)} s for ${chains.length} toolchain(s). ` +
      'Each case (test/corpus/cases.mjs) is built uncached and through each route with its own empty cache: cold, then warm (a legitimate rebuild), then after a change where the case has one.',
    '',
    '| toolchain | route | wrong results | cache-made failures | hits on legitimate rebuilds | sent direct |',
    '|---|---|---:|---:|---:|---:|',
  ];
  for (const t of chains) {
    for (const id of ROUTES) {
      const s = t.routes.find((r) => r.id === id)?.summary;
      if (!s) continue;
      lines.push(`| ${label(t)} | ${routeTitle(t, id)} | ${s.wrongResults} | ${s.cacheMadeFailures} | ${s.hits} / ${s.legitimateRebuilds} | ${s.direct} |`);
    }
  }
  lines.push('');
  for (const t of chains) {
    const v = Object.entries(t.launcherViolations ?? {}).flatMap(([route, list]) => list.map((x) => `${route}: ${x}`));
    lines.push(`Launcher promise on ${label(t)}: ${v.length ? `**${v.length} broken**` : 'kept'}.`);
    for (const x of v) lines.push(`- ${escape(x)}`);
    lines.push('');
  }

  const columns = chains.flatMap((t) => ROUTES.map((id) => ({ t, id, title: routeTitle(t, id) })));
  lines.push(
    '### Offload-mode matrix',
    '',
    'Per compile shape (a row) and cache version (a column; bare cache, then the launcher in front of it).',
    '',
    `| shape |${columns.map((c) => ` ${c.title} |`).join('')}`,
    `|---|${'---|'.repeat(columns.length)}`,
  );
  const cases = chains[0]?.cases ?? [];
  for (const c of cases) {
    const cells = columns.map(({ t, id }) => {
      const tc = t.cases.find((x) => x.id === c.id);
      if (tc && !tc.compilable) return 'n/a';
      return t.routes.find((r) => r.id === id)?.cases[c.id]?.cell ?? '';
    });
    lines.push(`| ${escape(c.shape)} |${cells.map((x) => ` ${/stale|fail|crash|wrong/.test(x) ? `**${x}**` : x} |`).join('')}`);
  }
  lines.push('', ...LEGEND, '');

  const details = [];
  for (const t of chains) {
    for (const c of t.cases.filter((x) => !x.compilable)) details.push(`- ${label(t)}, ${c.id}: not compilable by this clang: \`${escape(c.notCompilable)}\``);
    for (const id of ROUTES) {
      for (const [caseId, j] of Object.entries(t.routes.find((r) => r.id === id)?.cases ?? {})) {
        const first = j.failures[0] ?? j.wrong.find((w) => w.detail) ?? j.wrong[0];
        if (first) details.push(`- ${label(t)}, ${routeTitle(t, id)}, ${caseId}: ${first.kind} at the ${first.build} build of ${first.step}${first.detail ? `: \`${escape(first.detail)}\`` : ''}`);
      }
    }
  }
  if (details.length) lines.push('What went wrong, first problem per cell:', '', ...details, '');
  return lines;
}

function short(version) {
  return /(\d+\.\d+(\.\d+)?)/.exec(version ?? '')?.[1] ?? version;
}

function escape(text) {
  return String(text).replaceAll('|', '\\|').replaceAll('\n', ' ').replaceAll('`', "'");
}
