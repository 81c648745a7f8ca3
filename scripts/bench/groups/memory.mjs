import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv } from '../environment.mjs';
import { compilerWorkspace, peerCases } from '../fixtures.mjs';
import { launcherPath, shimOver } from '../prerequisites.mjs';
import { sampleTreeRss } from '../rss.mjs';
import { summarize } from '../stats.mjs';
import { roundRobin } from '../timing.mjs';

const COMPILER = 'sleep-compiler';
const MiB = 1024;

// 3. Resident memory the launcher adds while a compiler runs, on a compiler
// that sleeps for a second.
export const memory = {
  id: 'memory',
  title: 'Memory added while the compiler runs (a compiler that sleeps 1 s)',
  unit: 'MiB',
  columns: { peakTreeMiB: 'peak tree MiB (incl. start)', compilerMiB: 'compiler MiB', processesWhileCompiling: 'processes' },
  runs: { full: 5, quick: 1 },
  warmup: { full: 1, quick: 0 },
  prepare(ctx) {
    const dir = join(ctx.work, 'memory');
    const env = cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none' });
    const { compiler, call } = compilerWorkspace(dir, COMPILER, env);
    return {
      // Read when measuring starts: by then the shim (if it could be installed) has renamed its copy.
      compilerFiles: () => sameProgramInodes(compiler, [dir, join(dir, 'shim-bin')]),
      notes: [
        'Median = the most resident memory the process tree held beyond the compiler itself, sampled from /proc every 5 ms while the compiler was alive (kernel pages of the exec are not counted).',
        '"Spawn-and-wait" is how the launcher runs on Windows; on Linux it does the same when HIP_CLANG_LAUNCHER_LOG is set (it waits to log the exit code), which is how that row was measured here.',
        'Peak tree RSS includes the moment before the compiler starts, when the launcher (Node) itself is running.',
      ],
      cases: [
        ...peerCases(dir, compiler, call),
        { id: 'launcher', label: '**launcher** (Linux: execve)', command: () => call(launcherPath(), [compiler]) },
        { id: 'shim', label: '**shim** (Linux: execve)', command: () => call(shimOver(dir, compiler, env)) },
        {
          id: 'launcher-spawn-wait',
          label: '**launcher**, spawn-and-wait (the Windows way; here via HIP_CLANG_LAUNCHER_LOG)',
          command: () => call(launcherPath(), [compiler], { HIP_CLANG_LAUNCHER_LOG: join(dir, 'calls.jsonl') }),
        },
      ],
    };
  },
  measure(cases, plan, prepared) {
    const compilerFiles = prepared.compilerFiles();
    return roundRobin(cases, {
      ...plan,
      measureOnce: (command) => sampleTreeRss(command, compilerFiles),
      toResult: (seen) => ({
        stats: summarize(seen.map((s) => s.addedKiB / MiB)),
        extra: {
          peakTreeMiB: summarize(seen.map((s) => s.treeKiB / MiB)).median,
          compilerMiB: summarize(seen.map((s) => s.compilerKiB / MiB)).median,
          processesWhileCompiling: Math.max(...seen.map((s) => s.treeProcesses)),
        },
      }),
    });
  },
};

// The compiler and its copies (the shim's renamed real compiler among them), by inode.
function sameProgramInodes(compiler, dirs) {
  const size = statSync(compiler).size;
  const inodes = new Set();
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    for (const name of readdirSync(d)) {
      const st = statSync(join(d, name));
      if (st.isFile() && st.size === size) inodes.add(st.ino);
    }
  }
  return inodes;
}
