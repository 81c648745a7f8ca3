import { join } from 'node:path';
import { cleanEnv } from '../environment.mjs';
import { compilerWorkspace } from '../fixtures.mjs';
import { launcherPath } from '../prerequisites.mjs';

// 6. A large environment: 100,000 variables (`V<n>=`, about 1.6 MB, under
// the kernel's 2 MiB with the default 8 MiB stack). The launcher used to copy
// process.env, whose every lookup scans the whole environment: 75 s a call.
// Both cases pay the harness's own spawn with that environment.
const VARIABLES = 100_000;

export const envSize = {
  id: 'env-size',
  title: `A large environment (${VARIABLES.toLocaleString('en')} variables)`,
  reference: 'direct',
  runs: { full: 15, quick: 1 },
  prepare(ctx) {
    const dir = join(ctx.work, 'env-size');
    const env = cleanEnv();
    for (let i = 0; i < VARIABLES; i++) env[`V${i}`] = '';
    const { compiler, call } = compilerWorkspace(dir, 'instant-compiler', env);
    const none = { HIP_CLANG_LAUNCHER_CACHE: 'none' };
    return {
      notes: ['The compiler exits at once. With this environment (over 256 KiB) the launcher spawns the compiler, which inherits the environment, and waits, with or without a log (listing 100,000 variables for execve cost more); with a log it needs the exit code anyway.'],
      cases: [
        { id: 'direct', label: `compiler called directly, ${VARIABLES.toLocaleString('en')} variables`, command: () => call(compiler) },
        { id: 'node-bare', label: `bare Node start: \`node -e 0\`, ${VARIABLES.toLocaleString('en')} variables (the floor of any Node launcher)`, command: () => ({ file: ctx.node, args: ['-e', '0'], env, cwd: dir }) },
        { id: 'launcher', label: `**launcher**, cache \`none\`, ${VARIABLES.toLocaleString('en')} variables`, command: () => call(launcherPath(), [compiler], none) },
        {
          id: 'launcher-log',
          label: `**launcher** with a log (spawn and wait), ${VARIABLES.toLocaleString('en')} variables`,
          command: () => call(launcherPath(), [compiler], { ...none, HIP_CLANG_LAUNCHER_LOG: join(dir, 'calls.log') }),
        },
      ],
    };
  },
};
