// The headline sentences of the report, computed from this run's medians so
// they can never disagree with the tables below them.
export function summarize(groups) {
  const get = (groupId, caseId) => groups.find((g) => g.id === groupId)?.cases.find((c) => c.id === caseId && c.ok)?.stats;
  const ms = (x) => `${x.toFixed(1)} ms`;
  const lines = [];

  const direct = get('per-call', 'direct');
  if (direct) {
    const added = [
      ['a `sh` stub', 'sh-stub'],
      ['a python3 launcher', 'python'],
      ['a bare Node start', 'node-bare'],
      ['the launcher', 'launcher'],
      ['the shim', 'shim'],
    ]
      .filter(([, id]) => get('per-call', id))
      .map(([name, id]) => `${name} +${ms(get('per-call', id).median - direct.median)}`);
    lines.push(`Per call, on top of running the compiler directly: ${added.join(', ')}.`);
  }
  const node = get('per-call', 'node-bare');
  const over = [
    ['through ccache', 'launcher-over-ccache'],
    ['through sccache', 'launcher-over-sccache'],
    ['in auto mode', 'launcher-auto-over-ccache'],
    ['as the shim under hipcc 7', 'shim-over-hipcc'],
  ].filter(([, id]) => get('per-call', id));
  if (node && over.length) {
    const paired = (id) => groups.find((g) => g.id === 'per-call')?.cases.find((c) => c.id === id)?.extra?.pairedRatio;
    const each = over.map(([name, id]) => `${name} ${ms(get('per-call', id).median)} (${(paired(id) ?? get('per-call', id).median / node.median).toFixed(2)}x)`);
    lines.push(`On a real HIP warm hit, the launcher's own time over the cache alone, against a bare Node start of ${ms(node.median)} (ratios per round): ${each.join(', ')}.`);
  }

  const hit = (id) => get('hip-hit', id)?.median;
  if (hit('hipcc7-launcher-ccache') && hit('hipcc7-stub-ccache') && hit('ccache-direct')) {
    lines.push(
      `A warm ccache hit on a real HIP file: ${ms(hit('ccache-direct'))} calling ccache directly, ${ms(hit('hipcc7-stub-ccache'))} through hipcc 7 and a \`sh\` stub, ${ms(hit('hipcc7-launcher-ccache'))} through hipcc 7 and the launcher.`,
    );
  }
  if (hit('perl-shim-ccache') && hit('perl-stub-ccache')) {
    lines.push(`Debian's perl hipcc runs clang three times per compile (two probes and the compile), so a Node shim pays its start three times: ${ms(hit('perl-shim-ccache'))} per warm hit through the shim, ${ms(hit('perl-stub-ccache'))} through \`sh\` stubs.`);
  }

  const build = (id) => get('build', id)?.median;
  if (build('uncached') && build('warm') && build('cold')) {
    const pct = (x) => {
      const whole = Math.round(x * 100);
      return `${whole >= 0 ? '+' : ''}${whole}%`;
    };
    const depend = build('cold-nodepend') ? ` with the defaults (depend mode), ${pct(build('cold-nodepend') / build('uncached') - 1)} with CCACHE_NODEPEND=1` : '';
    const cpu = (id) => groups.find((g) => g.id === 'build')?.cases.find((c) => c.id === id && c.ok)?.extra?.cpuSeconds;
    const cpuNote =
      cpu('cold') && cpu('uncached')
        ? ` In CPU time a cold build costs ${pct(cpu('cold') / cpu('uncached') - 1)}${cpu('cold-nodepend') ? ` (${pct(cpu('cold-nodepend') / cpu('uncached') - 1)} without depend mode)` : ''}.`
        : '';
    const sccache =
      build('cold-sccache') && build('warm-sccache')
        ? ` Through sccache 0.10: cold ${pct(build('cold-sccache') / build('uncached') - 1)}${build('cold-sccache-start') ? ` (${pct(build('cold-sccache-start') / build('uncached') - 1)} when the build starts its server)` : ''}; warm ${build('warm-sccache').toFixed(2)} s.`
        : '';
    lines.push(
      `The build: ${build('uncached').toFixed(1)} s uncached, ${build('warm').toFixed(2)} s warm (${(build('uncached') / build('warm')).toFixed(0)}x faster); a cold cache costs ${pct(build('cold') / build('uncached') - 1)}${depend}.${cpuNote}${sccache}`,
    );
  }

  const rss = (id) => groups.find((g) => g.id === 'memory')?.cases.find((c) => c.id === id && c.ok);
  if (rss('launcher') && rss('launcher-spawn-wait')) {
    lines.push(
      `Memory while the compiler runs: the launcher adds ${rss('launcher').stats.max.toFixed(1)} MiB at most with execve (its process has become the compiler); spawn-and-wait keeps about ${rss('launcher-spawn-wait').stats.median.toFixed(0)} MiB of Node resident beside the compiler.`,
    );
  }
  return lines;
}
