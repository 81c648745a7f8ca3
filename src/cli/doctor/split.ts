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
  let asked: boolean;
  try {
    ({ split: on, splitAsked: asked } = readSettings(host));
  } catch (error) {
    return errorFinding('split', error, `set ${SPLIT_VAR} to on or off`);
  }
  const raw = host.env[SPLIT_VAR];
  const setting = raw === undefined || raw.trim() === '' ? `${SPLIT_VAR} unset` : `${SPLIT_VAR}=${raw}`;
  const sccache = asked ? 'with sccache, -fgpu-rdc compiles and compile-and-link calls' : `with sccache, compile-and-link calls only (${SPLIT_VAR}=on adds -fgpu-rdc compiles)`;
  const what = on
    ? `${setting}: the split is on (with ccache, a HIP compile whose whole-call entry misses runs as per-arch device parts, the driver's bundling and the host part, and a compile-and-link call as its compiles and the link, each cached; ${sccache})`
    : `${setting}: the split is off (each call is cached whole; unset ${SPLIT_VAR} for the default, on)`;
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
