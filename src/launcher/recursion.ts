import { HclError } from '../errors.js';
import { DEPTH_VAR, MAX_DEPTH } from './env-vars.js';

// The marker handed to every process the launcher starts. A launcher or shim
// that finds itself under another one goes straight to the compiler (the
// outer cache already holds this call); one nested past MAX_DEPTH is a loop.

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

export function childEnv(env: NodeJS.ProcessEnv, additions: Record<string, string>): NodeJS.ProcessEnv {
  return { ...env, ...additions, [DEPTH_VAR]: String(currentDepth(env) + 1) };
}
