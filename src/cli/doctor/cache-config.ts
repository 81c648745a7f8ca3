import type { Host } from '../../host.js';
import { learnCacheConfig, type CacheConfig, type ConfigEntry, type ConfigurableCache } from '../../launcher/cache-config.js';
import { BASEDIR_VAR } from '../../launcher/env-vars.js';
import { readSettings } from '../../launcher/settings.js';
import { finding, type Finding } from './finding.js';

// Where the cache's own config file sets a value the launcher would add, the
// launcher keeps the config's value (cache-config.ts, hip-rules/). This says
// what that costs: each setting whose job the launcher would otherwise do,
// with the risk and the fix. A setting the launcher never touches
// (namespace, sloppiness, remote storage) is only listed.

// What a compiler_check value leaves out of the key, for HIP.
function compilerCheckRisk(value: string): string {
  const v = value.trim();
  if (v === 'mtime' || v === '') return 'it keys the compiler by mtime only: a re-extracted ROCm (new mtimes) misses everything, and a device-library upgrade is never seen';
  if (v === 'content') return 'it keys the compiler binary only: a device-library upgrade (rocm-device-libs) is not seen, and objects built against the old bitcode are served';
  if (v === 'none') return 'it keys no compiler identity at all: a new compiler or device library is not seen, and stale objects are served';
  if (v.startsWith('string:')) return 'it keys a fixed string: unless that string changes with every compiler and device-library change, stale objects are served';
  return 'unless that command also hashes the device libraries (the amdgcn/bitcode files clang links into every device object, seen in no preprocessor output), a device-library upgrade is not seen and objects built against the old bitcode are served';
}

function checkCcacheConfig(config: CacheConfig, host: Host): Finding[] {
  const out: Finding[] = [];
  const e = config.entries;
  const check = e.compiler_check;
  if (check) {
    out.push(
      finding(
        'cache-config',
        'warn',
        `${at(check)} replaces the launcher's toolchain digest (compiler, its libraries and the device libraries): ${compilerCheckRisk(check.value)}`,
        `remove compiler_check from ${check.file} (the launcher then keys the compiler and device-library digest itself), or make the check hash the device libraries too (e.g. list the amdgcn/bitcode/*.bc files in extra_files_to_hash)`,
      ),
    );
  }
  const dirs = safeBaseDirs(host);
  if (e.base_dir && dirs.length > 0 && dirs[0] !== e.base_dir.value.replace(/(.)[\\/]+$/, '$1')) {
    out.push(finding('cache-config', 'warn', `${at(e.base_dir)} is used instead of ${BASEDIR_VAR}=${dirs.join(':')}: another checkout outside ${e.base_dir.value} misses`, `make them agree: set base_dir in ${e.base_dir.file} to ${dirs[0]}, or unset ${BASEDIR_VAR}`));
  }
  if (e.depend_mode && /^(true|1|yes)$/i.test(e.depend_mode.value)) {
    out.push(
      finding(
        'cache-config',
        'warn',
        `${at(e.depend_mode)} applies to every compile: a device-only HIP compile with a depfile (CMake's HIP code-object libraries) then goes uncached, since clang writes no depfile for it (ccache counts it bad_input_file); the launcher keeps depend mode off for those`,
        `remove depend_mode from ${e.depend_mode.file}: the launcher turns depend mode on for each HIP compile that writes a depfile`,
      ),
    );
  }
  return out;
}

function checkSccacheConfig(config: CacheConfig, host: Host): Finding[] {
  const b = config.entries.basedirs;
  const dirs = safeBaseDirs(host);
  if (!b || dirs.length === 0) return [];
  // The launcher never sets SCCACHE_BASEDIRS: it gives sccache the paths under
  // its base dir already relative (hip-rules/base-dir.ts), so the config's
  // basedirs only strips what is left. Nothing is replaced and nothing is
  // weakened, but a reader comparing the two settings deserves to be told.
  return [finding('cache-config', 'ok', `${at(b)} applies on top of ${BASEDIR_VAR}=${dirs.join(':')}: the launcher gives sccache the paths under ${dirs.join(', ')} already relative, and sets no SCCACHE_BASEDIRS`)];
}

function at(entry: ConfigEntry): string {
  return `${entry.key} = ${entry.value} (${entry.file})`;
}

function safeBaseDirs(host: Host): string[] {
  try {
    return readSettings(host).baseDirs;
  } catch {
    // A bad setting is the environment finding's to report.
    return [];
  }
}

// One finding per config setting that weakens what the launcher guarantees, else one `ok` line naming the files read.
export function checkCacheConfig(caches: readonly { file: string; kind: string }[], host: Host): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const { kind } of caches) {
    if ((kind !== 'ccache' && kind !== 'sccache') || seen.has(kind)) continue;
    seen.add(kind);
    const config = learnCacheConfig(kind as ConfigurableCache, host);
    const risks = kind === 'ccache' ? checkCcacheConfig(config, host) : checkSccacheConfig(config, host);
    findings.push(...risks);
    if (risks.length === 0) {
      const read = [...new Set(Object.values(config.entries).map((x) => x.file))];
      const keys = Object.keys(config.entries);
      const what = keys.length ? `sets ${keys.join(', ')}, none of which weakens the launcher's keys` : 'sets nothing';
      findings.push(finding('cache-config', 'ok', `${kind} config (${read.length ? read.join(', ') : config.files.join(', ')}) ${what}`));
    }
  }
  return findings;
}
