import { join } from 'node:path';
import { cleanEnv, hipEnv } from '../environment.mjs';
import { writeShStub } from '../fixtures.mjs';
import { hipcc7, installShim, launcherPath, uninstallShim } from '../prerequisites.mjs';
import { CLANG_ARGS, CLANGXX, HIPCC_ARGS, llvmTreeCopy, warmHits } from '../warm-hits.mjs';

// 2. A real HIP compile answered from a warm cache, through each route a user
// has: what the route costs on top of the cache's own hit.
export const hipHit = {
  id: 'hip-hit',
  title: 'A real HIP warm hit (same .hip file, warm cache)',
  reference: 'ccache-direct',
  runs: { full: 30, quick: 3 },
  prepare(ctx) {
    const root = join(ctx.work, 'hip-hit');
    const base = cleanEnv();
    const hits = warmHits(root, base);
    const cacheCase = hits.cacheCase;

    const viaPatched = (cache) => (dir, cacheFile) => ({
      file: hipcc7('patched'),
      args: HIPCC_ARGS,
      env: { ...hipEnv(), HIP_CLANG_LAUNCHER: launcherPath(), HIP_CLANG_LAUNCHER_CACHE: cache === 'sccache' ? cacheFile : 'ccache' },
    });
    // Unpatched hipcc 7 can only be redirected by a stub standing in for clang++.
    const viaStub = (dir, cacheFile) => {
      const bin = join(dir, 'stub-bin');
      writeShStub(join(bin, 'clang++'), CLANGXX, [cacheFile]);
      return { file: hipcc7('unpatched'), args: HIPCC_ARGS, env: hipEnv(bin) };
    };
    // clang finds the HIP headers and device libraries from ROCM_PATH / HIP_PATH, as under hipcc.
    const direct = (dir, cacheFile) => ({ file: cacheFile, args: [CLANGXX, ...CLANG_ARGS], env: hipEnv() });
    // Debian's perl hipcc runs <HIP_CLANG_PATH>/clang++-15 (clang-15 when that is missing) and probes clang++.
    const perlViaStub = (dir, cacheFile) => {
      const bin = join(dir, 'stub-bin');
      for (const name of ['clang++-15', 'clang++']) writeShStub(join(bin, name), '/usr/bin/clang++-15', [cacheFile]);
      return { file: '/usr/bin/hipcc', args: HIPCC_ARGS, env: hipEnv(bin) };
    };
    const perlViaShim = (dir) => {
      const bin = join(llvmTreeCopy(dir), 'bin');
      // Debian's perl hipcc runs clang-15, a link to clang: with the default names it would reach
      // the shim under a name the manifest does not list (and fail), so it is wrapped too.
      installShim(bin, base, ['--names', 'clang,clang++,clang-15']);
      hits.onTeardown(() => uninstallShim(bin, base));
      return { file: '/usr/bin/hipcc', args: HIPCC_ARGS, env: { ...hipEnv(bin), HIP_CLANG_LAUNCHER_CACHE: 'ccache' } };
    };

    return {
      notes: [
        `Every case compiles the same kernel (${HIPCC_ARGS.join(' ')}) with its own private cache: one miss to fill it (ccache-direct and sccache-direct: a copy of the cache the per-call group's identical case filled), then only hits; the bench FAILS a case whose timed calls were not all cache hits.`,
        'hipcc 7 is 7.0.2 built from Debian\'s rocm-llvm source by scripts/build-hipcc.sh: "patched" carries our HIP_CLANG_LAUNCHER backport, "unpatched" is as shipped (so a stub in place of clang++ is its only way to a cache).',
        'The shim for the perl hipcc is installed into a hard-linked copy of Debian\'s llvm-15 with `--names clang,clang++,clang-15`: Debian\'s perl hipcc runs `clang-15`.',
        'The HIP-capable sccache runs as a started server with its own directory and port (the calls never pay for its start).',
      ],
      cases: [
        { id: 'hipcc7-launcher-ccache', label: 'hipcc 7 patched → **launcher** → ccache', command: cacheCase('hipcc7-launcher-ccache', 'ccache', viaPatched('ccache')) },
        { id: 'hipcc7-stub-ccache', label: 'hipcc 7 → `sh` stub as clang++ → ccache', command: cacheCase('hipcc7-stub-ccache', 'ccache', viaStub) },
        { id: 'ccache-direct', label: 'ccache clang++ directly', command: cacheCase('ccache-direct', 'ccache', direct) },
        { id: 'hipcc7-launcher-sccache', label: 'hipcc 7 patched → **launcher** → sccache (HIP-capable)', command: cacheCase('hipcc7-launcher-sccache', 'sccache', viaPatched('sccache')) },
        { id: 'hipcc7-stub-sccache', label: 'hipcc 7 → `sh` stub as clang++ → sccache', command: cacheCase('hipcc7-stub-sccache', 'sccache', viaStub) },
        { id: 'sccache-direct', label: 'sccache clang++ directly', command: cacheCase('sccache-direct', 'sccache', direct) },
        { id: 'perl-shim-ccache', label: 'perl hipcc (Debian 5.2.3) → **shim** → ccache', command: cacheCase('perl-shim-ccache', 'ccache', perlViaShim) },
        { id: 'perl-stub-ccache', label: 'perl hipcc → `sh` stubs as clang++(-15) → ccache', command: cacheCase('perl-stub-ccache', 'ccache', perlViaStub) },
      ],
      verify: hits.verify,
      teardown: hits.teardown,
    };
  },
};
