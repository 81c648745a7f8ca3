import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { joinNames, pathModuleFor, type Host } from '../host.js';
import { CCACHE_BASEDIR, CCACHE_COMPILERCHECK, CCACHE_DEPEND, CCACHE_NODEPEND, SCCACHE_BASEDIRS } from './env-vars.js';
import { listingKey, readMemo, writeMemo, type FileKey } from './memo.js';

// What the user's own config file tells the cache, for the settings the
// launcher would otherwise add in the environment (which both caches rank
// above their config files, so an added value would silently replace the
// user's). The files are the ones the cache itself reads, found its way:
// - ccache (Config::read): CCACHE_CONFIGPATH alone when set; otherwise the
//   system config (/etc/ccache.conf), then the primary one in $CCACHE_DIR, the
//   system config's cache_dir, a legacy ~/.ccache, $XDG_CONFIG_HOME/ccache or
//   ~/.config/ccache, the first that applies;
// - sccache (config_file): SCCACHE_CONF, else its config under the user's
//   config directory. Its only file setting the launcher also sets is
//   `basedirs` (0.14+); the cache buster and the I/O-error switch are
//   environment-only.
// Memoised under the stat of every file that could be read (memo.ts), so a
// call pays a few stats and one small read; an edit, a new file or a removed
// one is a miss. A symlink is followed as the cache follows it (dotfile
// managers link ~/.config/ccache/ccache.conf), since the point is to agree
// with the cache about the user's choices; but only a regular file of sane
// size owned by this user or root is read, without blocking on a FIFO. Any
// other (say one planted in a shared cache directory by another user) is
// treated as absent: the launcher then adds its own values, which the cache
// ranks above the file, so a planted file cannot switch off its keys.

export interface ConfigEntry {
  key: string;
  value: string;
  file: string;
}

export interface CacheConfig {
  // The files the cache reads, in the order it reads them (later wins), whether or not they exist.
  files: string[];
  // Every setting found, by key, with the file it came from.
  entries: Record<string, ConfigEntry>;
  // The primary file came from the system config's cache_dir: not covered by the memo key.
  unkeyed?: boolean;
}

export type ConfigurableCache = 'ccache' | 'sccache';

// The launcher's environment variable for each config key it could override, per cache.
export const CONFIG_KEYS: Record<string, { cache: ConfigurableCache; key: string }> = {
  [CCACHE_COMPILERCHECK]: { cache: 'ccache', key: 'compiler_check' },
  [CCACHE_BASEDIR]: { cache: 'ccache', key: 'base_dir' },
  [CCACHE_DEPEND]: { cache: 'ccache', key: 'depend_mode' },
  [CCACHE_NODEPEND]: { cache: 'ccache', key: 'depend_mode' },
  [SCCACHE_BASEDIRS]: { cache: 'sccache', key: 'basedirs' },
};

const MAX_CONFIG_BYTES = 256 * 1024;
const MAX_ENTRIES = 200;
const MAX_VALUE = 4096;

function readConfigText(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_CONFIG_BYTES) return undefined;
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid && st.uid !== 0) return undefined;
    const buf = Buffer.alloc(st.size);
    let got = 0;
    for (let n; got < st.size && (n = readSync(fd, buf, got, st.size - got, got)) > 0; ) got += n;
    return buf.toString('utf8', 0, got);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

// ccache's format: `key = value` lines, `#` comments; a later line wins.
export function parseCcacheConfig(text: string, file: string, into: Record<string, ConfigEntry>): void {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    if (!/^[a-z_0-9]+$/.test(key)) continue;
    if (!Object.hasOwn(into, key) && Object.keys(into).length >= MAX_ENTRIES) continue;
    into[key] = { key, value: line.slice(eq + 1).trim().slice(0, MAX_VALUE), file };
  }
}

// sccache's TOML: only top-level keys (before the first [table]) are
// recorded; a value that spans lines (an array) keeps its first line.
export function parseSccacheConfig(text: string, file: string, into: Record<string, ConfigEntry>): void {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('[')) break;
    const m = /^([A-Za-z0-9_-]+)\s*=\s*(.*)$/.exec(line);
    if (!m || (!Object.hasOwn(into, m[1]!) && Object.keys(into).length >= MAX_ENTRIES)) continue;
    into[m[1]!] = { key: m[1]!, value: m[2]!.slice(0, MAX_VALUE), file };
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

interface Places {
  // Read in this order.
  files: string[];
  // Every name whose change could change the answer (the key).
  watched: string[];
  // ccache with CCACHE_DIR unset: a cache_dir in the system config (files[0]) names the primary config instead of files[1].
  systemNamesDir?: boolean;
}

function ccachePlaces(host: Host): Places {
  const p = pathModuleFor(host.platform);
  const env = host.env;
  if (env.CCACHE_CONFIGPATH !== undefined) return { files: [env.CCACHE_CONFIGPATH], watched: [env.CCACHE_CONFIGPATH] };
  const win = host.platform === 'win32';
  const system = env.CCACHE_CONFIGPATH2 ?? (win ? p.join(env.ALLUSERSPROFILE ?? 'C:\\ProgramData', 'ccache', 'ccache.conf') : '/etc/ccache.conf');
  const home = (win ? env.USERPROFILE : env.HOME) ?? '';
  const legacy = home ? joinNames(host.platform, home, '.ccache') : '';
  const xdg = win ? undefined : env.XDG_CONFIG_HOME;
  const fallback = win ? p.join(env.LOCALAPPDATA ?? env.APPDATA ?? home, 'ccache') : joinNames(host.platform, home, '.config', 'ccache');
  let dir: string;
  if (env.CCACHE_DIR) dir = env.CCACHE_DIR;
  else if (legacy && isDirectory(legacy)) dir = legacy;
  else if (xdg) dir = joinNames(host.platform, xdg, 'ccache');
  else dir = fallback;
  const primary = joinNames(host.platform, dir, 'ccache.conf');
  // The legacy directory's existence changes which file is primary; its contents do not matter.
  const watched = [system, primary, ...(legacy && !env.CCACHE_DIR ? [`${legacy}${p.sep}`] : [])];
  return { files: [system, primary], watched, systemNamesDir: env.CCACHE_DIR === undefined };
}

function sccachePlaces(host: Host): Places {
  const p = pathModuleFor(host.platform);
  const env = host.env;
  if (env.SCCACHE_CONF !== undefined) return { files: [env.SCCACHE_CONF], watched: [env.SCCACHE_CONF] };
  const file =
    host.platform === 'win32'
      ? p.join(env.APPDATA ?? '', 'Mozilla', 'sccache', 'config', 'config')
      : host.platform === 'darwin'
        ? p.join(env.HOME ?? '', 'Library', 'Application Support', 'Mozilla.sccache', 'config')
        : joinNames(host.platform, env.XDG_CONFIG_HOME && p.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : joinNames(host.platform, env.HOME ?? '', '.config'), 'sccache', 'config');
  return { files: [file], watched: [file] };
}

// A file's key, or a marker for its absence (a file that appears is a change too).
function watchKey(path: string): FileKey {
  try {
    const st = statSync(path);
    if (path.endsWith('/') || path.endsWith('\\')) return { path, size: st.isDirectory() ? 0 : -1, mtimeMs: 0, ino: 0 };
    return { path, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, ctimeMs: st.ctimeMs };
  } catch {
    return { path, size: -1, mtimeMs: 0, ino: 0 };
  }
}

function readPlaces(cache: ConfigurableCache, places: Places, platform: NodeJS.Platform): CacheConfig {
  const entries: Record<string, ConfigEntry> = Object.create(null) as Record<string, ConfigEntry>;
  const parse = cache === 'ccache' ? parseCcacheConfig : parseSccacheConfig;
  const files = [...places.files];
  let unkeyed: true | undefined;
  for (const [i, file] of places.files.entries()) {
    let name = file;
    // ccache: with CCACHE_DIR unset, a cache_dir in the system config holds the primary config.
    if (i === 1 && places.systemNamesDir && entries.cache_dir?.value) {
      name = files[1] = pathModuleFor(platform).join(entries.cache_dir.value, 'ccache.conf');
      unkeyed = true;
    }
    const text = readConfigText(name);
    if (text !== undefined) parse(text, name, entries);
  }
  return unkeyed ? { files, entries, unkeyed } : { files, entries };
}

function isConfig(value: unknown): value is CacheConfig {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as CacheConfig;
  if (!Array.isArray(v.files) || !v.files.every((f) => typeof f === 'string')) return false;
  if (typeof v.entries !== 'object' || v.entries === null || Array.isArray(v.entries)) return false;
  return Object.values(v.entries).every((e) => typeof e === 'object' && e !== null && typeof e.key === 'string' && typeof e.value === 'string' && typeof e.file === 'string');
}

// The cache's config as it stands, memoised under the stat of its files.
// Read once per process and stat of its files: a split plans the whole call and each part in one (run-parts.ts).
const readConfigs = new Map<string, CacheConfig>();

export function learnCacheConfig(cache: ConfigurableCache, host: Host): CacheConfig {
  const places = cache === 'ccache' ? ccachePlaces(host) : sccachePlaces(host);
  const key = listingKey(`${cache}-config\0${places.watched.join('\0')}`, places.watched.map(watchKey));
  const seen = JSON.stringify(key);
  const read = readConfigs.get(seen);
  if (read) return { files: read.files, entries: Object.assign(Object.create(null) as Record<string, ConfigEntry>, read.entries) };
  const known = readMemo(host, 'cache-config', key, isConfig);
  // A primary config found through the system config's cache_dir is outside the key: read again.
  if (known && !known.unkeyed) {
    readConfigs.set(seen, known);
    return { files: known.files, entries: Object.assign(Object.create(null) as Record<string, ConfigEntry>, known.entries) };
  }
  const value = readPlaces(cache, places, host.platform);
  writeMemo(host, 'cache-config', key, value);
  return value;
}

// For the HIP rules: each launcher variable the config already sets, with the entry that sets it.
export function configuredCacheVars(cache: ConfigurableCache, config: CacheConfig): Map<string, ConfigEntry> {
  const set = new Map<string, ConfigEntry>();
  for (const [variable, { cache: kind, key }] of Object.entries(CONFIG_KEYS)) {
    const entry = config.entries[key];
    if (kind === cache && entry) set.set(variable, entry);
  }
  return set;
}
