import type { Host } from '../../host.js';
import { LOG_VAR, SPLIT_VAR } from '../../launcher/env-vars.js';
import { readSettings } from '../../launcher/settings.js';
import { readCallLog } from '../read-call-log.js';
import { partRows } from '../summarise-calls.js';
import { errorFinding, finding, type Finding } from './finding.js';

// Whether HIP compiles are split per arch here, and, from the call log when
// one is set, what the cache answered each part (the table is `stats`).
export function checkSplit(host: Host): Finding {
  let on: boolean;
  try {
    on = readSettings(host).split;
  } catch (error) {
    return errorFinding('split', error, `set ${SPLIT_VAR} to on or off`);
  }
  const raw = host.env[SPLIT_VAR];
  const setting = raw === undefined || raw.trim() === '' ? `${SPLIT_VAR} unset` : `${SPLIT_VAR}=${raw}`;
  const what = on
    ? `${setting}: the split is on (a HIP compile runs as per-arch device parts, the driver's bundling and the host part, each cached; through ccache only when the whole call misses, through sccache only -fgpu-rdc compiles)`
    : `${setting}: the split is off (each HIP compile is cached whole; ${SPLIT_VAR}=on splits it per arch)`;
  const log = host.env[LOG_VAR];
  if (!log) return finding('split', 'ok', `${what}; per-arch hits: set ${LOG_VAR}=<file> for a build, then \`hip-clang-launcher stats\``);
  let summary;
  try {
    summary = readCallLog(log).split;
  } catch (error) {
    const f = errorFinding('split', error, `point ${LOG_VAR} at the call log itself`);
    return finding('split', 'warn', `${what}; the call log cannot be read: ${f.found}`, f.fix ?? undefined);
  }
  const rows = partRows(summary).filter(([, c]) => c.runs > c.uncached);
  const whole = summary.wholeCall;
  const wholeText = whole.hits + whole.misses > 0 ? `; ccache's whole-call entry ${whole.hits} hit(s), ${whole.misses} missed` : '';
  const parts = rows.map(([name, c]) => `${name} ${c.hits} hit(s), ${c.misses} miss(es)${c.unknown ? `, ${c.unknown} unknown` : ''}`).join('; ');
  return finding('split', 'ok', `${what}; call log ${log}: ${summary.calls} split call(s)${wholeText}${parts ? `; ${parts}` : ''}`);
}
