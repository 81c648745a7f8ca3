import { pathModuleFor, type Host } from '../host.js';
import { BASEDIR_VAR, CUID_VAR, SPLIT_VAR } from './env-vars.js';
import { HclError } from '../errors.js';

// The launcher's own settings, read once from the environment.
export interface LauncherSettings {
  cuid: boolean;
  baseDirs: string[];
  // Split HIP compiles into parts a cache keys one by one, and compile-and-link
  // calls into compiles and the link (hip-rules/split.ts). On unless set off:
  // measured on rocPRIM, a cold build costs about what it does whole (depend
  // mode for every part) and a warm one is one lookup (README "the split").
  split: boolean;
  // HIP_CLANG_LAUNCHER_SPLIT=on given: also where the split is not free (sccache, hip-rules/split.ts).
  splitAsked: boolean;
}

function onOff(host: Host, name: string, fallback: boolean): boolean {
  const raw = (host.env[name] ?? '').trim().toLowerCase();
  if (raw === '') return fallback;
  if (raw === 'on' || raw === '1') return true;
  if (raw === 'off' || raw === '0') return false;
  throw new HclError('bad-config', `${name}=${host.env[name]} is not understood`, 'use on or off');
}

export function readSettings(host: Host): LauncherSettings {
  const cuid = onOff(host, CUID_VAR, true);
  const split = onOff(host, SPLIT_VAR, true);
  const p = pathModuleFor(host.platform);
  const delimiter = host.platform === 'win32' ? ';' : ':';
  const baseDirs = (host.env[BASEDIR_VAR] ?? '').split(delimiter).filter((d) => d !== '');
  for (const dir of baseDirs) {
    if (!p.isAbsolute(dir)) {
      throw new HclError('bad-config', `${BASEDIR_VAR} entry ${dir} is a relative path`, 'give absolute directories, separated by ' + delimiter);
    }
  }
  const splitAsked = split && (host.env[SPLIT_VAR] ?? '').trim() !== '';
  return { cuid, split, splitAsked, baseDirs: baseDirs.map((d) => (d.length > 1 ? d.replace(/[\\/]+$/, '') : d)) };
}
