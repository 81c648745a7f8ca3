import { isSea } from 'node:sea';
import { isAbsolute, resolve } from 'node:path';
import type { Host } from '../../host.js';
import { finding, type Finding } from './finding.js';

// Environment traps a build meets before any compile: hipcc picking NVIDIA,
// empty SCCACHE_* variables, NODE_OPTIONS, and caches on relative PATH entries.

export interface PathEntry {
  // As written in PATH ('' is the current directory, as the shell reads it).
  entry: string;
  dir: string;
  relative: boolean;
}

export function pathEntries(host: Host): PathEntry[] {
  const delimiter = host.platform === 'win32' ? ';' : ':';
  const pathVar = host.platform === 'win32' ? (host.env.Path ?? host.env.PATH ?? '') : (host.env.PATH ?? '');
  return pathVar.split(delimiter).map((entry) => ({ entry, dir: resolve(host.cwd, entry), relative: entry === '' || !isAbsolute(entry) }));
}

// The first `name` a shell would run: relative entries count (hipcc's own look-ups make no exception).
export function findOnPath(name: string, host: Host): string | undefined {
  for (const { dir } of pathEntries(host)) {
    const file = resolve(dir, name);
    if (host.isExecutableFile(file)) return file;
  }
  return undefined;
}

// `hipccInPlay`: a hipcc was found or given; without one the trap only matters to a build that brings its own.
export function checkHipPlatform(host: Host, hipccInPlay: boolean): Finding {
  const platform = host.env.HIP_PLATFORM ?? '';
  if (platform === 'amd') return finding('hip-platform', 'ok', 'HIP_PLATFORM=amd');
  if (platform === 'hcc') return finding('hip-platform', 'warn', 'HIP_PLATFORM=hcc: hipcc takes it for amd, with a deprecation warning on every call', 'export HIP_PLATFORM=amd');
  if (platform !== '') {
    return finding('hip-platform', 'warn', `HIP_PLATFORM=${platform}: hipcc compiles for NVIDIA and never runs clang, so nothing reaches the launcher`, 'export HIP_PLATFORM=amd for AMD GPUs');
  }
  const nvcc = findOnPath('nvcc', host);
  if (!nvcc) return finding('hip-platform', 'ok', 'HIP_PLATFORM is unset and no nvcc is on PATH: hipcc picks AMD');
  return finding('hip-platform', hipccInPlay ? 'fail' : 'warn', `HIP_PLATFORM is unset and nvcc is on PATH (${nvcc}): hipcc 5.x then picks NVIDIA, and hipcc 6+ does whenever it cannot run its clang++; NVIDIA's route never runs clang`, 'export HIP_PLATFORM=amd');
}

// sccache reads a variable set to '' as set: SCCACHE_DIR='' puts the cache in
// the server's working directory, and an empty storage variable (SCCACHE_REDIS
// in 0.4, SCCACHE_WEBDAV_ENDPOINT before the fix of sccache #2639) stops its server from starting.
export function checkEmptySccacheVars(host: Host, sccacheChosen: boolean): Finding {
  const empty = Object.keys(host.env).filter((k) => k.startsWith('SCCACHE_') && host.env[k] === '').sort();
  if (empty.length === 0) return finding('sccache-env', 'ok', 'no SCCACHE_* variable is set empty');
  const names = empty.join(', ');
  return finding(
    'sccache-env',
    sccacheChosen ? 'fail' : 'warn',
    `${names} ${empty.length === 1 ? 'is' : 'are'} set but empty: sccache takes an empty value as set (an empty SCCACHE_DIR puts the cache in the server's working directory; an empty storage variable can stop the server from starting)${sccacheChosen ? '' : '; sccache is not the cache chosen here'}`,
    `unset ${empty.join(' ')}`,
  );
}

export function checkNodeOptions(host: Host): Finding {
  const value = host.env.NODE_OPTIONS;
  if (value === undefined || value === '') return finding('node-options', 'ok', 'NODE_OPTIONS is unset');
  if (isSea()) {
    return finding('node-options', 'ok', `NODE_OPTIONS=${value} is set: harmless to this executable (its Node takes no NODE_OPTIONS); compilers still receive it unchanged`);
  }
  return finding(
    'node-options',
    'warn',
    `NODE_OPTIONS=${value} is set, and this launcher runs on plain Node, which obeys it on every compile`,
    'use the single executable (it ignores NODE_OPTIONS), or leave NODE_OPTIONS out of the build environment',
  );
}

// The launcher never looks in a relative PATH entry (a planted cache in the build tree must not run).
export function checkRelativePathCaches(host: Host, chosen: string | undefined): Finding {
  const ignored: string[] = [];
  for (const { entry, dir, relative } of pathEntries(host)) {
    if (!relative) continue;
    for (const name of ['sccache', 'ccache']) {
      const file = resolve(dir, host.platform === 'win32' ? `${name}.exe` : name);
      if (host.isExecutableFile(file)) ignored.push(`${name} in '${entry}' (${file})`);
    }
  }
  if (ignored.length === 0) return finding('path', 'ok', 'no relative PATH entry holds a cache');
  return finding(
    'path',
    'warn',
    `relative PATH entries are never searched by the launcher, so it does not use ${ignored.join(', ')}; it uses ${chosen ?? 'no cache'}`,
    'put the absolute directory in PATH instead of the relative one',
  );
}
