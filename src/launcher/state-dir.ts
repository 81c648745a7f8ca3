import { HclError } from '../errors.js';
import { joinNames, pathModuleFor, type Host } from '../host.js';
import { STATE_DIR_VAR } from './env-vars.js';

// Where the launcher keeps what it learned once (memo.ts, the sccache state).
// A relative directory would put state into every build directory a compile
// runs in. The XDG base-directory spec says such a value is invalid and is
// ignored; the launcher does that (it never fails a build over its own
// memo), and the admin CLI refuses it in one line so the user learns of it.

const XDG_CACHE_HOME = 'XDG_CACHE_HOME';

function absolute(value: string | undefined, platform: NodeJS.Platform): string | undefined {
  return value && pathModuleFor(platform).isAbsolute(value) ? value : undefined;
}

// The user's own cache directory: $XDG_CACHE_HOME, else ~/.cache (POSIX), each only when absolute.
export function userCacheDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | undefined {
  if (platform === 'win32') return absolute(env.LOCALAPPDATA, platform);
  const home = absolute(env.HOME, platform);
  return absolute(env[XDG_CACHE_HOME], platform) ?? (home && joinNames(platform, home, '.cache'));
}

// The memo directory: HIP_CLANG_LAUNCHER_STATE_DIR when absolute, else the user's cache directory's.
export function stateDir(host: Host): string | undefined {
  const base = userCacheDir(host.env, host.platform);
  return absolute(host.env[STATE_DIR_VAR], host.platform) ?? (base && joinNames(host.platform, base, 'hip-clang-launcher'));
}

// The variables that name a state directory and are set to a relative path.
export function relativeStateDirVars(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string[] {
  const names = platform === 'win32' ? [STATE_DIR_VAR, 'LOCALAPPDATA'] : [STATE_DIR_VAR, XDG_CACHE_HOME];
  return names.filter((name) => env[name] && !absolute(env[name], platform));
}

// For the admin CLI: a relative state directory is a bad setting.
export function assertAbsoluteStateDirs(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): void {
  const [name] = relativeStateDirVars(env, platform);
  if (name === undefined) return;
  throw new HclError(
    'bad-config',
    `${name}=${env[name]} is a relative path: state would be written into whatever directory a compile runs in (compiles ignore it)`,
    `set ${name} to an absolute path, or unset it`,
  );
}
