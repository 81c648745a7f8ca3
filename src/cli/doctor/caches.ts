import { existsSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Host } from '../../host.js';
import { CACHE_VAR } from '../../launcher/env-vars.js';
import { SCCACHE_STARTS, startAgain } from '../../launcher/sccache-server.js';
import type { CacheKind } from '../../launcher/find-cache.js';
import { chooseForEach, describeFacts, type PurposeChoice } from '../commands/which-cache.js';
import { tryProgram } from '../try-program.js';
import { errorFinding, finding, type Finding } from './finding.js';

// The cache each kind of compile would use, and whether that cache really
// works: sccache's server starts with its storage, ccache reports and can write.

export interface ChosenCaches {
  findings: Finding[];
  // Distinct caches in use, for the start checks.
  caches: { file: string; kind: CacheKind }[];
}

const START_TIMEOUT_MS = 30_000;
const QUICK_TIMEOUT_MS = 10_000;

function describe(choice: PurposeChoice): string {
  return `${choice.file}${describeFacts(choice.facts)}`;
}

function noCacheFix(setting: string, hip: boolean): string {
  if (setting.toLowerCase() === 'none') return `unset ${CACHE_VAR} (or set it to auto)`;
  return hip ? 'install ccache, or put sccache 0.8+ first on PATH (Debian 12\'s sccache 0.4 cannot cache HIP)' : 'install ccache or sccache';
}

export function checkCacheChoice(): ChosenCaches {
  let choices: ReturnType<typeof chooseForEach>;
  try {
    choices = chooseForEach();
  } catch (error) {
    return { findings: [errorFinding('cache', error, `fix ${CACHE_VAR}`)], caches: [] };
  }
  const findings: Finding[] = [];
  const hip = choices.hip;
  if (!hip.file) {
    findings.push(finding('cache', 'fail', `HIP compiles: no cache (${hip.reason}${skippedText(hip)})`, noCacheFix(hip.setting, true)));
  } else if (hip.facts?.cachesHip === false) {
    const explicitFix = hip.setting.toLowerCase() === 'sccache'
      ? `put sccache 0.8+ first on PATH, or set ${CACHE_VAR}=ccache (or auto)`
      : `set ${CACHE_VAR} to sccache 0.8+ or ccache, or to auto`;
    findings.push(finding('cache', 'fail', `HIP compiles: ${describe(hip)}, chosen by ${CACHE_VAR}=${hip.setting}: HIP compiles pass through it uncached`, explicitFix));
  } else if (hip.facts?.version === undefined) {
    findings.push(finding('cache', 'warn', `HIP compiles: ${describe(hip)}: its version could not be learned (\`${hip.file} --version\` printed none)`, `check that ${hip.file} runs`));
  } else {
    findings.push(finding('cache', 'ok', `HIP compiles: ${describe(hip)}; ${hip.reason}`));
  }
  const other = choices['c/c++'];
  if (!other.file) findings.push(finding('cache', 'fail', `C/C++ compiles: no cache (${other.reason})`, noCacheFix(other.setting, false)));
  else findings.push(finding('cache', 'ok', `C/C++ compiles: ${describe(other)}`));

  // Every sccache client talks to the one server on SCCACHE_SERVER_PORT: whichever starts it serves both kinds.
  if (hip.kind === 'sccache' && other.kind === 'sccache' && hip.file !== other.file) {
    findings.push(
      finding(
        'cache',
        'fail',
        `HIP and C/C++ compiles use two sccache programs (${hip.file}, ${other.file}) that share one server port: the first to start its server serves both, and a client fails on another version's server`,
        `put ${dirname(hip.file!)} before ${dirname(other.file!)} on PATH, so that every compile uses ${hip.file}`,
      ),
    );
  }
  const caches = new Map<string, CacheKind>();
  for (const c of [hip, other]) if (c.file && c.kind) caches.set(c.file, c.kind);
  return { findings, caches: [...caches].map(([file, kind]) => ({ file, kind })) };
}

function skippedText(choice: PurposeChoice): string {
  const skipped = choice.considered.filter((c) => c.skipped).map((c) => `${c.file}: ${c.skipped}`);
  return skipped.length ? `; passed over ${skipped.join('; ')}` : '';
}

// Why a cache directory cannot be written ('' when it can): the nearest
// existing directory must take a new file, as the cache will create the rest.
export function unwritableReason(dir: string, cwd: string): string {
  let existing = resolve(cwd, dir);
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  if (!statSync(existing).isDirectory()) return `${existing} is not a directory`;
  const probe = join(existing, `.hcl-doctor-${process.pid}`);
  try {
    writeFileSync(probe, '', { flag: 'wx' });
    unlinkSync(probe);
    return '';
  } catch (error) {
    return `${existing} cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
}

async function checkCcache(file: string, host: Host): Promise<Finding> {
  const opts = { timeoutMs: QUICK_TIMEOUT_MS, env: host.env, cwd: host.cwd };
  const stats = await tryProgram(file, ['--print-stats'], opts);
  if (!stats.ok) return finding('cache-start', 'fail', `ccache does not work: ${stats.problem}`, `fix what ccache says (its configuration: ${file} --show-config)`);
  const config = await tryProgram(file, ['--show-config'], opts);
  const value = (key: string) => new RegExp(`^\\(([^)]*)\\) ${key} = (.*)$`, 'm').exec(config.stdout);
  const disable = value('disable');
  if (disable?.[2] === 'true') {
    return finding('cache-start', 'fail', `ccache is disabled (disable = true, from ${disable[1]})`, disable[1] === 'environment' ? 'unset CCACHE_DISABLE' : `set disable = false in ${disable[1]}`);
  }
  const dir = value('cache_dir');
  if (!dir) return finding('cache-start', 'warn', `${file} --show-config names no cache_dir: ${config.problem ?? 'unexpected output'}`, 'run it by hand to see why');
  const why = unwritableReason(dir[2]!, host.cwd);
  if (why) return finding('cache-start', 'fail', `ccache's cache_dir ${dir[2]} (from ${dir[1]}) is not writable: ${why}`, 'point CCACHE_DIR (or cache_dir) at a writable directory');
  return finding('cache-start', 'ok', `ccache works: --print-stats answers and its cache_dir ${dir[2]} is writable`);
}

interface SccacheStats {
  cache_location?: string;
}

async function sccacheStats(file: string, host: Host, timeoutMs: number): Promise<{ stats?: SccacheStats; problem?: string }> {
  const run = await tryProgram(file, ['--show-stats', '--stats-format', 'json'], { timeoutMs, env: host.env, cwd: host.cwd });
  if (!run.ok) return { problem: run.problem };
  try {
    return { stats: JSON.parse(run.stdout) as SccacheStats };
  } catch {
    return { problem: `${file} --show-stats printed no JSON` };
  }
}

// Local disk storage must be writable; remote storage the server checked as it started.
function storageProblem(location: string | undefined, cwd: string): string {
  const local = /^Local disk: "(.*)"$/.exec(location ?? '');
  if (!local) return '';
  if (local[1] === '') return 'its cache directory is "" (an empty SCCACHE_DIR)';
  const why = unwritableReason(local[1]!, cwd);
  return why ? `its cache directory ${local[1]} is not writable: ${why}` : '';
}

// An sccache server, ours or another's, already holds the port: it serves the build as it is.
async function checkRunningSccache(file: string, host: Host, port: string, startProblem: string): Promise<Finding> {
  const { stats, problem } = await sccacheStats(file, host, QUICK_TIMEOUT_MS);
  if (!stats) {
    return finding(
      'cache-start',
      'fail',
      `sccache's server cannot start: ${startProblem}, and what holds port ${port} does not answer this sccache: another program, or another sccache version's server (${problem})`,
      `set SCCACHE_SERVER_PORT to a free port, or stop the program listening on ${port}`,
    );
  }
  const found = `an sccache server already runs on port ${port} (it keeps the settings it started with; storage: ${stats.cache_location ?? 'unknown'})`;
  const why = storageProblem(stats.cache_location, host.cwd);
  if (why) return finding('cache-start', 'fail', `${found}: ${why}`, `${file} --stop-server, fix the storage setting, then build again`);
  return finding('cache-start', 'ok', found);
}

async function checkSccache(file: string, host: Host): Promise<Finding> {
  const port = host.env.SCCACHE_SERVER_PORT || '4226';
  // As the launcher does: a start past sccache's own limit (10 s unless its
  // config's server_startup_timeout_ms sets another) is tried again.
  const startServer = () => tryProgram(file, ['--start-server'], { timeoutMs: START_TIMEOUT_MS, env: host.env, cwd: host.cwd });
  let start = await startServer();
  let tries = 1;
  const again = startAgain(Number(port));
  for (; tries < SCCACHE_STARTS && !start.ok && again(start.problem ?? ''); tries++) start = await startServer();
  if (!start.ok) {
    if (/address in use/i.test(start.problem ?? '')) return checkRunningSccache(file, host, port, start.problem!);
    return finding('cache-start', 'fail', `sccache's server cannot start: ${start.problem}`, 'fix what sccache says (its SCCACHE_* settings), then check with `sccache --start-server`');
  }
  // Started here: read its storage, then leave the machine as we found it.
  const { stats, problem } = await sccacheStats(file, host, QUICK_TIMEOUT_MS);
  await tryProgram(file, ['--stop-server'], { timeoutMs: QUICK_TIMEOUT_MS, env: host.env, cwd: host.cwd });
  if (!stats) return finding('cache-start', 'fail', `sccache's server started but does not answer: ${problem}`, 'run `SCCACHE_LOG=debug SCCACHE_NO_DAEMON=1 sccache --start-server` to see why');
  const why = storageProblem(stats.cache_location, host.cwd);
  if (why) return finding('cache-start', 'fail', `sccache's server starts, but ${why}`, 'point SCCACHE_DIR at a writable directory');
  const slow = tries > 1 ? ` (on try ${tries}: the first start took longer than sccache's own start limit, server_startup_timeout_ms, 10 s by default)` : '';
  return finding('cache-start', 'ok', `sccache (${file}): its server starts on port ${port}, storage ${stats.cache_location ?? 'unknown'}${slow}`);
}

export async function checkCacheStarts(cache: { file: string; kind: CacheKind }, host: Host): Promise<Finding> {
  if (cache.kind === 'sccache') return checkSccache(cache.file, host);
  if (cache.kind === 'ccache') return checkCcache(cache.file, host);
  return finding('cache-start', 'warn', `${cache.file} is neither sccache nor ccache: doctor cannot tell whether it works`, 'compile a file through it twice and check for a hit');
}
