import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CCACHE, ccacheEnv, ccacheStats, FILL_ENV, sccacheHipPath, startSccache } from './caches.mjs';
import { hipEnv } from './environment.mjs';
import { hipSource } from './hip-source.mjs';
import { linkLlvmTree } from '../llvm-tree.mjs';
import { MissingPrerequisite } from './prerequisites.mjs';
import { timeOnce } from './timing.mjs';

// Real HIP compiles answered from a warm private cache, for the groups that
// time them (hip-hit, per-call): each case gets its own directory and its
// own empty cache, compiles once (the miss), and from then on must only hit;
// `verify` fails a case whose timed calls were not all hits.

// The filled caches of this run, by the command that filled them: two groups time the very same
// command (per-call's hip-ccache and hip-hit's ccache-direct, hip-sccache and sccache-direct), and
// the later case starts from a copy of the earlier one's cache instead of compiling the kernel
// again: the same entry in a private cache of its own, checked as every case is.
const filled = new Map();

export const CLANGXX = '/usr/lib/llvm-15/bin/clang++';
export const HIPCC_ARGS = ['--offload-arch=gfx90a', '-O3', '-c', 'k.hip', '-o', 'k.o'];
// What hipcc 7 hands clang for HIPCC_ARGS (HIPCC_VERBOSE=1 shows it).
export const CLANG_ARGS = ['--offload-arch=gfx90a', '-O3', `--hip-device-lib-path=${hipEnv().DEVICE_LIB_PATH}`, '-c', '-x', 'hip', 'k.hip', '-o', 'k.o'];

export function warmHits(root, base) {
  const checks = new Map();
  const servers = [];
  // `make(dir, cacheFile)` gives the command; it runs in `dir` with the cache's environment under its own.
  const cacheCase = (id, cache, make) => async () => {
    const dir = caseDir(root, id);
    const made = make(dir, cache === 'sccache' ? sccacheHipPath() : CCACHE);
    // The cache's directory (ccacheEnv's, startSccache's), seeded before its server starts.
    const cacheDir = join(dir, cache);
    const key = JSON.stringify([cache, made]);
    const seed = filled.get(key);
    if (seed) cpSync(seed, cacheDir, { recursive: true });
    const cacheEnv = cache === 'sccache' ? await sccacheFor(dir) : { env: { ...base, ...ccacheEnv(dir) }, file: CCACHE };
    const command = { ...made, env: { ...cacheEnv.env, ...made.env }, cwd: dir };
    filled.set(key, cacheDir);
    return warm(id, command, cacheEnv.stats ?? (() => ccacheStats(cacheEnv.env)), checks, !seed);
  };
  const sccacheFor = async (dir) => {
    const server = await startSccache(dir, base);
    servers.push(server);
    return { env: server.env, file: server.sccache, stats: () => server.stats() };
  };
  return {
    cacheCase,
    // Undone at teardown (a shim's uninstall, say).
    onTeardown: (stop) => servers.push({ stop }),
    verify(ready, outcome) {
      const problems = [];
      for (const c of ready) {
        const check = checks.get(c.id);
        const timed = outcome.get(c.id)?.stats?.n;
        if (!check || !timed) continue;
        const after = check.stats();
        const hits = after.hits - check.before.hits;
        const misses = after.misses - check.before.misses;
        if (misses > 0 || hits < timed) problems.push([c.id, `not all warm hits: ${hits} hit(s), ${misses} miss(es) in ${timed}+ timed calls`]);
      }
      return problems;
    },
    teardown() {
      for (const s of servers) s.stop();
    },
  };
}

function caseDir(root, id) {
  const dir = join(root, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'k.hip'), hipSource());
  return dir;
}

// One call fills the cache (see FILL_ENV), unless it is a copy of a filled one; the statistics
// after it are the baseline the timed calls are checked against.
function warm(id, command, stats, checks, fill) {
  if (fill) timeOnce({ ...command, env: { ...command.env, ...FILL_ENV } });
  checks.set(id, { stats, before: stats() });
  return command;
}

// A ROCm-like tree the shim can be installed into without touching the system (llvm-tree.mjs).
export function llvmTreeCopy(dir) {
  const tree = join(dir, 'llvm');
  try {
    linkLlvmTree('/usr/lib/llvm-15', tree);
  } catch (error) {
    throw new MissingPrerequisite(`cp -al /usr/lib/llvm-15/bin failed (the work directory must be on the same file system): ${String(error.stderr ?? error.message).trim()}`);
  }
  return tree;
}
