import { pathModuleFor, type Host } from '../host.js';
import { BASEDIR_VAR, CUID_VAR } from './env-vars.js';
import { HclError } from '../errors.js';

// The launcher's own settings, read once from the environment.
export interface LauncherSettings {
  cuid: boolean;
  baseDirs: string[];
}

export function readSettings(host: Host): LauncherSettings {
  const cuidRaw = (host.env[CUID_VAR] ?? '').trim().toLowerCase();
  if (!['', 'on', '1', 'off', '0'].includes(cuidRaw)) {
    throw new HclError('bad-config', `${CUID_VAR}=${host.env[CUID_VAR]} is not understood`, 'use on or off');
  }
  const p = pathModuleFor(host.platform);
  const delimiter = host.platform === 'win32' ? ';' : ':';
  const baseDirs = (host.env[BASEDIR_VAR] ?? '').split(delimiter).filter((d) => d !== '');
  for (const dir of baseDirs) {
    if (!p.isAbsolute(dir)) {
      throw new HclError('bad-config', `${BASEDIR_VAR} entry ${dir} is a relative path`, 'give absolute directories, separated by ' + delimiter);
    }
  }
  return { cuid: cuidRaw !== 'off' && cuidRaw !== '0', baseDirs: baseDirs.map((d) => (d.length > 1 ? d.replace(/[\\/]+$/, '') : d)) };
}
