// The targets, checked against this run. Reported, never asserted:
// a missed target is a finding to explain, not a failed bench.
// a / b must stay at or under `limit`.
const slowdown = (id, text, from, limit) => ({
  id,
  text,
  from,
  value: (a, b) => a.stats.median / b.stats.median,
  met: (x) => x <= limit,
  show: (x) => `${x.toFixed(2)}x`,
});

// A row over another, by the median of its per-round ratios to its comparison
// in the same round (per-call: the bare Node start; split: the build it is paired with).
const paired = (id, text, caseId, limit, group = 'per-call') => ({
  id,
  text,
  from: [group, caseId],
  value: (a) => a.extra?.pairedRatio ?? NaN,
  met: (x) => x <= limit,
  show: (x) => `${x.toFixed(2)}x`,
});

// a must cost at most `limit` (a fraction) more than b.
const overhead = (id, text, from, limit) => ({
  ...slowdown(id, text, from),
  value: (a, b) => a.stats.median / b.stats.median - 1,
  met: (x) => x <= limit,
  show: (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`,
});

const TARGETS = [
  slowdown('launcher-vs-node', 'launcher cost per call <= 1.10x a bare start of the same Node', ['per-call', 'launcher', 'node-bare'], 1.1),
  slowdown('shim-vs-node', 'shim cost per call <= 1.10x a bare start of the same Node', ['per-call', 'shim', 'node-bare'], 1.1),
  // The paths users run: the launcher's own time on a real HIP warm hit, over the same call without it.
  // Paired per round with the bare Node start: the difference of two calls is noisier than one call.
  paired('launcher-ccache-vs-node', 'launcher over ccache alone, HIP warm hit, <= 1.10x a bare start of the same Node (per-round pairs)', 'launcher-over-ccache', 1.1),
  paired('launcher-sccache-vs-node', 'launcher over sccache alone, HIP warm hit, <= 1.10x a bare start of the same Node (per-round pairs)', 'launcher-over-sccache', 1.1),
  paired('launcher-auto-vs-node', 'launcher in auto mode (both caches installed) over ccache alone, HIP warm hit, <= 1.10x a bare start of the same Node (per-round pairs)', 'launcher-auto-over-ccache', 1.1),
  paired('shim-hipcc-vs-node', 'shim under hipcc 7 over hipcc 7 with ccache alone, HIP warm hit, <= 1.10x a bare start of the same Node (per-round pairs)', 'shim-over-hipcc', 1.1),
  {
    id: 'warm-build-speedup',
    text: 'warm-cache build >= 10x faster than an uncached one',
    from: ['build', 'uncached', 'warm'],
    value: (a, b) => a.stats.median / b.stats.median,
    met: (x) => x >= 10,
    show: (x) => `${x.toFixed(1)}x faster`,
  },
  slowdown('env-size', 'with 100,000 environment variables, the launcher <= 2x the compiler called directly', ['env-size', 'launcher', 'direct'], 2),
  overhead('cold-build-overhead', 'cold-cache build with default settings <= 5% slower than an uncached one', ['build', 'cold', 'uncached'], 0.05),
  // The split group runs only when named (--only split): its targets only with it.
  // Judged on each split build's CPU time against its comparison in the same round, as the group's notes say.
  paired('split-add-arch', 'split: {A..E} on the {A,B,C,D} cache costs <= 40% of an uncached {A..E} build (paired CPU)', 'split-add-5', 0.4, 'split'),
  paired('split-warm', 'split: warm {A,B,C,D} rebuild <= 1.25x today\'s warm rebuild (paired CPU)', 'split-warm-4', 1.25, 'split'),
  {
    ...paired('split-cold', 'split: cold {A,B,C,D} build <= 5% over today\'s cold build (paired CPU, ABBA sums)', 'split-cold-4', 1.05, 'split'),
    show: (x) => `${x >= 1 ? '+' : ''}${((x - 1) * 100).toFixed(1)}%`,
  },
  // The makefile group runs only when named (--only makefile).
  slowdown('makefile-warm', 'makefile: warm `make` through the launcher and ccache <= 0.25x the uncached build', ['makefile', 'ccache-warm', 'uncached'], 0.25),
  slowdown('makefile-warm-sccache', 'makefile: warm `make` through the launcher and sccache <= 0.25x the uncached build', ['makefile', 'sccache-warm', 'uncached'], 0.25),
  overhead('makefile-cold', 'makefile: cold `make` through the launcher and ccache <= 10% over the uncached build', ['makefile', 'ccache-cold', 'uncached'], 0.1),
  {
    id: 'linux-added-rss',
    text: 'the launcher adds 0 resident memory on Linux while the compiler runs',
    from: ['memory', 'launcher'],
    value: (a) => a.stats.max,
    met: (x) => x === 0,
    show: (x) => `${x.toFixed(1)} MiB at most`,
  },
];

export function evaluateTargets(groups) {
  const find = (groupId, caseId) => groups.find((g) => g.id === groupId)?.cases.find((c) => c.id === caseId);
  const optIn = new Set(['split', 'makefile']);
  return TARGETS.filter((t) => !optIn.has(t.from[0]) || groups.some((g) => g.id === t.from[0])).map((t) => {
    const [groupId, ...caseIds] = t.from;
    const cases = caseIds.map((id) => find(groupId, id));
    if (cases.some((c) => !c?.ok)) return { id: t.id, text: t.text, status: 'not measured', value: null, shown: 'a case it needs did not run' };
    const value = t.value(...cases);
    return { id: t.id, text: t.text, status: t.met(value) ? 'met' : 'missed', value, shown: t.show(value) };
  });
}
