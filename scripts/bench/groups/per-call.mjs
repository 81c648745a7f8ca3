import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv } from '../environment.mjs';
import { compilerWorkspace, peerCases } from '../fixtures.mjs';
import { launcherPath, repoRoot, requireFile, shimOver } from '../prerequisites.mjs';

// 1. What a call costs when the compiler itself costs nothing: every
// launcher style in front of a compiler that exits at once, and the floors.
export const perCall = {
  id: 'per-call',
  title: 'Cost per call (a compiler that exits at once)',
  reference: 'node-bare',
  // The targets are ratios within a few ms of each other: more rounds than the other groups, so machine noise moves the medians less.
  runs: { full: 150, quick: 3 },
  prepare(ctx) {
    const dir = join(ctx.work, 'per-call');
    const env = cleanEnv();
    const { compiler, call } = compilerWorkspace(dir, 'instant-compiler', env);
    const none = { HIP_CLANG_LAUNCHER_CACHE: 'none' };
    return {
      notes: [
        'Calling the compiler directly is the floor of the harness itself (a spawn and a wait from Node).',
        'Every call is compile-shaped (`<compiler> -c x.c`); calls without -c/-S would be routed straight to the compiler anyway.',
        'The single executable is the pkg-built SEA of the pinned Node; the diagnostic row runs the same bundle (build/main.cjs) on that Node without the SEA wrapper.',
      ],
      cases: [
        ...peerCases(dir, compiler, call),
        { id: 'node-bare', label: 'bare Node start: `node -e 0` (the Node the executable embeds)', command: () => ({ file: ctx.node, args: ['-e', '0'], env, cwd: dir }) },
        { id: 'node-empty-file', label: 'bare Node start: `node empty.js`', command: () => ({ file: ctx.node, args: [emptyScript(dir)], env, cwd: dir }) },
        { id: 'launcher', label: '**launcher**, cache `none`', command: () => call(launcherPath(), [compiler], none) },
        { id: 'shim', label: '**shim** (`install`ed as clang++), cache `none`', command: () => call(shimOver(dir, compiler, env), [], none) },
        { id: 'launcher-bundle', label: 'launcher bundle on plain Node, no SEA (diagnostic)', command: () => call(ctx.node, [bundleCopy(dir), compiler], none) },
      ],
    };
  },
};

function emptyScript(dir) {
  const file = join(dir, 'empty.js');
  writeFileSync(file, '');
  return file;
}

// The bundle decides its mode by the name it runs under, so run a copy named like the executable.
function bundleCopy(dir) {
  const file = join(dir, 'bundle', 'hip-clang-launcher');
  mkdirSync(join(dir, 'bundle'), { recursive: true });
  copyFileSync(requireFile(join(repoRoot, 'build/main.cjs'), 'run `npm run build`'), file);
  return file;
}
