import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAULT_VAR } from '../../src/shim/fs-ops.js';
import { ccacheEnv } from '../helpers/caches.js';
import { labRoot, requireLab, runInLab, runInLabAsync, type LabOptions } from '../helpers/lab.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, repoRoot } from '../helpers/tools.js';
import { listingDiff, ownCopy, treeListing } from './trees.js';
import { linkLlvmTree } from '../../scripts/llvm-tree.mjs';

// Found by the lab stress test (1 compile of 158 failed, exit 3): a HIP
// compile through the shim with ccache behind it holds the shim's per-user
// link (`<state>/compiler-names-<uid>/<hash>/clang++` -> `<bin>/clang++-real`,
// src/launcher/cache-name-link.ts). On a miss ccache runs the launcher as its
// prefix_command with that link. If meanwhile an uninstall removed
// clang++-real (its wait for the compile ran out, or missed it) and the next
// install has put the shim executable back but not yet clang++-real, the
// launcher got a dangling link and failed the compile with "compiler ... does
// not exist or is not executable". It must compile instead, with the bare
// compiler's object.
//
// The timing is controlled, not waited for: ccache's preprocessor run goes
// through a prefix_command_cpp that, after the preprocessor, waits at a FIFO;
// the uninstall's wait is cut to nothing (the test hook for what a compile
// outlasting its two-minute bound meets); an install is killed (the test hook)
// just after placing the shim executable, as the stress test's killed installs
// leave it. Then the FIFO is written and ccache goes on to its prefix.

const HIP = ['-x', 'hip', '--offload-arch=gfx90a', '-cuid=danglink', '-Wno-unused-value', '-O2', '-c', 'saxpy.hip'];

// Polls until `ready` holds or `done` has settled (the caller's assertion then says what was seen).
async function until(done: Promise<unknown>, ready: () => boolean): Promise<void> {
  let ended = false;
  void done.then(() => (ended = true));
  while (!ended && !ready()) await new Promise((r) => setTimeout(r, 25));
}

// The first fault point at which an install into a fresh copy of `llvm` leaves the shim executable but not clang++-real.
function killAtShimOnly(dir: string, llvm: string, cacheHome: string): number {
  for (let n = 1; n <= 40; n++) {
    const scratch = join(dir, `scratch-${n}`);
    fs.mkdirSync(scratch);
    execFileSync('cp', ['-al', llvm, join(scratch, 'llvm')]);
    const bin = join(scratch, 'llvm/bin');
    try {
      execFileSync(built.linux, ['install', bin], { env: { PATH: process.env.PATH, XDG_CACHE_HOME: cacheHome, [FAULT_VAR]: `kill-at=${n}` }, stdio: 'ignore' });
    } catch {
      // killed, as asked
    }
    const shimOnly = fs.existsSync(join(bin, 'hip-clang-launcher')) && !fs.existsSync(join(bin, 'clang++-real'));
    fs.rmSync(scratch, { recursive: true, force: true });
    if (shimOnly) return n;
  }
  throw new Error('no fault point of install leaves the shim executable without clang++-real');
}

describe('an uninstall removes the real compiler while ccache holds the shim\'s link (the sid lab: clang-21, ccache 4.14)', () => {
  it('ccache\'s prefix launcher looks the compiler up again in the bin dir: the compile succeeds with the uncached object; the tree ends as it began', async () => {
    requireLab();
    const dir = makeTempDir('hcl-mid-split-');
    const llvm = join(dir, 'rocm/llvm');
    fs.mkdirSync(dirname(llvm));
    linkLlvmTree(join(labRoot, 'usr/lib/llvm-21'), llvm, (path) => path.slice(labRoot.length));
    const bin = join(llvm, 'bin');
    // Its own file: processes elsewhere running the lab's clang are not this tree's.
    ownCopy(join(bin, 'clang'));
    fs.copyFileSync(join(repoRoot, 'test/fixtures/hip/saxpy.hip'), join(dir, 'saxpy.hip'));
    const gate = join(dir, 'gate');
    const held = join(dir, 'held');
    execFileSync('mkfifo', [gate]);
    // The preprocessor runs; the first call (the whole call's, in ccache) then waits at the gate.
    fs.writeFileSync(join(dir, 'hold.sh'), `#!/bin/sh\n"$@" || exit $?\n[ -e ${held} ] && exit 0\n: > ${held}\nread line < ${gate}\n`, { mode: 0o755 });
    const cacheHome = join(dir, 'user-cache');
    fs.mkdirSync(cacheHome, { mode: 0o700 });
    const lab: LabOptions = { binds: [dir, { host: dirname(built.linux), readOnly: true }], cwd: dir, env: { XDG_CACHE_HOME: cacheHome } };
    const labWith = (env: Record<string, string>): LabOptions => ({ ...lab, env: { ...lab.env, ...env } });
    const hcl = (args: string[], env: Record<string, string> = {}) => runInLab([built.linux, ...args], labWith(env));

    const reference = runInLab([join(bin, 'clang++'), ...HIP, '-o', 'ref.o'], lab);
    expect(reference.stderr).toBe('');
    expect(reference.status).toBe(0);
    const pristine = treeListing(llvm);
    const killAt = killAtShimOnly(dir, llvm, cacheHome);

    expect(hcl(['install', llvm]).status).toBe(0);
    const compiled = runInLabAsync([join(bin, 'clang++'), ...HIP, '-o', 'k.o'], labWith({ ...ccacheEnv(dir), HIP_CLANG_LAUNCHER_CACHE: 'ccache', CCACHE_PREFIX_CPP: join(dir, 'hold.sh') }));
    await until(compiled, () => fs.existsSync(held));
    expect(fs.existsSync(held), 'the compile never reached ccache\'s preprocessor').toBe(true);
    // ccache holds the link to clang++-real.
    const link = join(cacheHome, `hip-clang-launcher/compiler-names-${process.getuid!()}`);
    expect(fs.readdirSync(link).map((d) => fs.readlinkSync(join(link, d, 'clang++')))).toEqual([join(bin, 'clang++-real')]);

    const uninstalled = hcl(['uninstall', llvm], { [FAULT_VAR]: 'in-flight-wait-ms=0' });
    expect(uninstalled.status, uninstalled.stderr).toBe(0);
    expect(uninstalled.stderr).toMatch(/removed anyway after waiting/);
    const killed = hcl(['install', llvm], { [FAULT_VAR]: `kill-at=${killAt}` });
    expect(killed.signal ?? killed.status).not.toBe(0);
    expect(fs.existsSync(join(bin, 'hip-clang-launcher'))).toBe(true);
    expect(fs.existsSync(join(bin, 'clang++-real'))).toBe(false);

    fs.writeFileSync(gate, 'go\n');
    const r = await compiled;
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(fs.readFileSync(join(dir, 'k.o')).equals(fs.readFileSync(join(dir, 'ref.o')))).toBe(true);

    // The killed install rolled back, nothing installed: the tree as it began.
    expect(hcl(['uninstall', llvm]).status).toBe(0);
    expect(listingDiff(pristine, treeListing(llvm))).toEqual([]);
  }, 120_000);
});
