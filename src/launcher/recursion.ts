import { HclError } from '../errors.js';
import { DEPTH_VAR, MAX_DEPTH, OUTER_CACHE_VAR } from './env-vars.js';
import { layerEnv } from './layered-env.js';

// The markers handed to every process the launcher starts. A launcher or shim
// that finds itself under one that is caching goes straight to the compiler
// (the outer cache already holds this call); under one that is not (it ran
// hipcc, or compiled directly) it does its own job. Nested past MAX_DEPTH is a loop.

export function currentDepth(env: NodeJS.ProcessEnv): number {
  const n = Number.parseInt(env[DEPTH_VAR] ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

export function assertNotLooping(env: NodeJS.ProcessEnv, compiler: string): void {
  const depth = currentDepth(env);
  if (depth >= MAX_DEPTH) {
    throw new HclError(
      'recursion',
      `${compiler} leads back to hip-clang-launcher ${depth} times over (${DEPTH_VAR}=${depth})`,
      'point the launcher at the real compiler, not at a wrapper that calls the launcher again',
    );
  }
}

export function underOuterCache(env: NodeJS.ProcessEnv): boolean {
  return env[OUTER_CACHE_VAR] === '1';
}

// A layer over `env` (layered-env.ts): the caller's environment is never copied whole.
export function childEnv(env: NodeJS.ProcessEnv, additions: Record<string, string>, caching = false): NodeJS.ProcessEnv {
  return layerEnv(env, { ...additions, [DEPTH_VAR]: String(currentDepth(env) + 1), [OUTER_CACHE_VAR]: caching ? '1' : undefined });
}
