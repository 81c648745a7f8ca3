import type * as ChildProcessModule from 'node:child_process';
import type { Host } from '../host.js';
import type { CacheKind } from './find-cache.js';
import { isString, memoise } from './memo.js';

// What a cache program can do, learned from `<cache> --version` once per
// binary (memoised by path, size and mtime), never once per compile.

export type Version = [number, number, number];

export interface CacheFacts {
  kind: CacheKind;
  version: Version | undefined;
  // undefined: not known (an unrecognised cache, or a version that would not print).
  cachesHip: boolean | undefined;
}

// The first version with HIP support (sccache 0.8.0: `-x hip`, --offload-arch,
// device bitcode hashed). ccache has keyed HIP compiles as clang calls since
// long before any version still in use; 4.0 is the floor we know of.
const HIP_SINCE: Record<'sccache' | 'ccache', Version> = { sccache: [0, 8, 0], ccache: [4, 0, 0] };

export function parseVersion(text: string): Version | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

export function factsFromVersionText(kind: CacheKind, text: string | undefined): CacheFacts {
  // ccache: "ccache version 4.7.5"; sccache: "sccache 0.10.0". The first line says it.
  const firstLine = text?.split('\n', 1)[0] ?? '';
  const version = parseVersion(firstLine);
  const cachesHip = kind === 'other' || version === undefined ? undefined : compareVersions(version, HIP_SINCE[kind]) >= 0;
  return { kind, version, cachesHip };
}

// '' when the program would not say: remembered too, so a silent cache costs one probe, not one per compile.
function probeVersion(file: string, host: Host): string {
  const { spawnSync } = process.getBuiltinModule('node:child_process') as typeof ChildProcessModule;
  const result = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 10_000, env: host.env, windowsHide: true, stdio: ['ignore', 'pipe', 'ignore'] });
  return result.status === 0 && typeof result.stdout === 'string' ? result.stdout : '';
}

// Once per process: a split plans the whole call and each part in one (run-parts.ts).
const learned = new Map<string, CacheFacts>();

export function learnCacheFacts(file: string, kind: CacheKind, host: Host): CacheFacts {
  const key = `${kind}\0${file}`;
  let facts = learned.get(key);
  if (!facts) learned.set(key, (facts = factsFromVersionText(kind, memoise(host, `version-${kind}`, file, () => probeVersion(file, host), isString))));
  return facts;
}
