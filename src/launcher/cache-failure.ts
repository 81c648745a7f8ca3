import { cacheKindOf, type CacheKind } from './find-cache.js';
import type { ExecStep } from './plan-launch.js';

// When a cache fails after it started (its server killed or gone while a
// request is in flight), the compile runs directly: a cache is never the
// reason a build fails. The one policy, used where the launcher waits for the
// cache (replace-process.ts spawnFirstStartable) and, on the exec path where
// the launcher is gone, by a small shell that waits in its place.
//
// Which exit statuses mean "the cache failed, not the compiler", by kind.
// sccache's client exits 2 for any error of its own (its main: `Err(e) =>
// 2`), e.g. "Failed to read response header" when its server dies
// mid-request, which SCCACHE_IGNORE_SERVER_IO_ERROR does not cover; a
// compile error passes on clang's own status (1). Re-running the compiler
// after a 2 is always safe: at worst it repeats a failure with the same
// diagnostics. ccache is absent: it falls back to the compiler on its own,
// and its fatal errors exit 1, which a compile error uses too.
const CACHE_FAILURE_STATUS: Partial<Record<CacheKind, number>> = { sccache: 2 };

function failureStatusOf(step: ExecStep): number | undefined {
  return CACHE_FAILURE_STATUS[cacheKindOf(step.file, process.platform)];
}

// Why the compile runs again directly after the cache `step` left with
// `exitCode`, or undefined when the status is the compiler's to keep.
export function cacheFailure(step: ExecStep, exitCode: number | null): string | undefined {
  const status = failureStatusOf(step);
  if (status === undefined || exitCode !== status) return undefined;
  return `cache ${step.file} failed (exit ${status}: its own error, e.g. its server died mid-request); compiled directly`;
}

// A shell word with no expansion: '...' with each ' written as '\''.
const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

const SH = '/bin/sh';
const BASH = '/bin/bash';

// The exec path's form of the policy: one step that runs the cache, and on
// its failure status execs the compiler in its own place (argv, argv[0]
// and environment as `direct` has them). Every word is in the script
// itself, quoted, so no argument is split or expanded, and the shell only
// waits: a healthy call costs one small shell start (BENCHMARKS.md,
// per-call). Undefined when the cache has no failure status, or the words
// cannot be given exactly: then the cache is exec'd as it is.
export function cacheOrDirectStep(cache: ExecStep, direct: ExecStep, isExecutable: (file: string) => boolean): ExecStep | undefined {
  const status = failureStatusOf(cache);
  if (status === undefined || process.platform === 'win32') return undefined;
  if (cache.argv[0] !== cache.file || direct.file.startsWith('-') || cache.file.startsWith('-')) return undefined;
  // dash's exec has no -a: the compiler's own argv[0] (a shim's name, a bare
  // `clang++`) needs bash's.
  const shell = direct.argv[0] === direct.file ? SH : BASH;
  if (!isExecutable(shell)) return undefined;
  const argv0 = shell === SH ? '' : `-a ${quote(direct.argv[0] ?? direct.file)} `;
  const script = [
    `${cache.argv.map(quote).join(' ')}`,
    // The shell's status: the cache's, or 128+n when it died by signal n.
    `s=$?; [ $s -eq ${status} ] || exit $s`,
    `exec ${argv0}${[direct.file, ...direct.argv.slice(1)].map(quote).join(' ')}`,
  ].join('\n');
  return { file: shell, argv: [shell, '-c', script, 'hip-clang-launcher'] };
}
