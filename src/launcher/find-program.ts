import { joinNames, pathModuleFor, type Host } from '../host.js';
import { isCopyOf } from './same-executable.js';

// Finds a program by name in PATH and in each OS's usual install places.
// Relative PATH entries (and the empty entry, which means the current
// directory) are never searched: on Windows a planted `sccache.exe` in the
// build tree would otherwise run. Whatever resolves to this executable, or is
// a copy of it, is skipped, so a cache never turns out to be ourselves.

export interface Candidate {
  file: string;
  skipped?: string;
}

export function usualInstallDirs(host: Host): string[] {
  const env = host.env;
  if (host.platform === 'win32') {
    const home = env.USERPROFILE;
    return [
      home && `${home}\\.cargo\\bin`,
      home && `${home}\\scoop\\shims`,
      env.ProgramData && `${env.ProgramData}\\chocolatey\\bin`,
      env.ProgramFiles && `${env.ProgramFiles}\\sccache`,
      env.ProgramFiles && `${env.ProgramFiles}\\ccache`,
      env.LOCALAPPDATA && `${env.LOCALAPPDATA}\\Microsoft\\WinGet\\Links`,
    ].filter((d): d is string => Boolean(d));
  }
  return [
    '/usr/local/bin',
    '/usr/bin',
    '/bin',
    env.HOME ? `${env.HOME}/.cargo/bin` : '',
    '/opt/homebrew/bin',
    '/snap/bin',
  ].filter(Boolean);
}

export function searchDirs(host: Host): string[] {
  const p = pathModuleFor(host.platform);
  const delimiter = host.platform === 'win32' ? ';' : ':';
  const pathVar = host.platform === 'win32' ? (host.env.Path ?? host.env.PATH ?? '') : (host.env.PATH ?? '');
  const fromPath = pathVar.split(delimiter).map((d) => d.replace(/^"(.*)"$/, '$1'));
  const seen = new Set<string>();
  const dirs: string[] = [];
  for (const dir of [...fromPath, ...usualInstallDirs(host)]) {
    if (!dir || !p.isAbsolute(dir)) continue;
    const key = host.platform === 'win32' ? dir.toLowerCase() : dir;
    if (seen.has(key)) continue;
    seen.add(key);
    dirs.push(dir);
  }
  return dirs;
}

// This executable's real path, resolved once per process (a call asks for
// it for the compiler and for every cache candidate).
let ownPath: { execPath: string; real: string } | undefined;
function selfPath(host: Host): string {
  if (ownPath?.execPath !== host.execPath) ownPath = { execPath: host.execPath, real: host.realpath(host.execPath) ?? host.execPath };
  return ownPath.real;
}

// This executable by its real path (a link to it), or a copy of it.
export function isSelf(file: string, host: Host, real = host.realpath(file)): boolean {
  const self = selfPath(host);
  if (real === undefined) return false;
  return (host.platform === 'win32' ? real.toLowerCase() === self.toLowerCase() : real === self) || isCopyOf(real, self);
}

// The places `name` was found, in search order, with the reason any was
// passed over. The compile path wants only the first usable one and stops
// there; `which-cache` asks for all of them (`all`) to explain its choice.
// `reject` passes over a program that is there but unfit (a cache too old for HIP), saying why.
// A file met again by another name (/bin and /usr/bin on a merged /usr) is
// passed over for the same reason without asking again: `reject` may read a memo.
export function findProgramCandidates(name: string, host: Host, all = false, reject?: (file: string) => string | undefined): Candidate[] {
  const fileName = host.platform === 'win32' && !/\.exe$/i.test(name) ? `${name}.exe` : name;
  const found: Candidate[] = [];
  const seen = new Map<string, string>();
  for (const dir of searchDirs(host)) {
    const file = joinNames(host.platform, dir, fileName);
    if (!host.isExecutableFile(file)) continue;
    const real = host.realpath(file);
    const known = real === undefined ? undefined : seen.get(real);
    const skipped = known ?? (isSelf(file, host, real) ? 'it is hip-clang-launcher itself' : reject?.(file));
    if (real !== undefined && skipped) seen.set(real, skipped);
    found.push(skipped ? { file, skipped } : { file });
    if (!skipped && !all) break;
  }
  return found;
}

export function findProgram(name: string, host: Host): string | undefined {
  return findProgramCandidates(name, host).find((c) => !c.skipped)?.file;
}
