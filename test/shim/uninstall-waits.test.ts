import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv } from '../helpers/run-built.js';
import { built } from '../helpers/tools.js';
import { FAULT_VAR } from '../../src/shim/fs-ops.js';
import { hcl, listingDiff, makeDebianTree, treeListing } from './trees.js';

// Found by the stress test in the lab: while an install is unfinished (here
// killed mid-way, as a power cut would leave it) the shim finds the real
// compiler through the journal and runs it under the invoked name, so the
// running driver shows `clang-real` only as its exe. clang runs that path
// again for its jobs; the recovery that removed it meanwhile made the compile
// fail with "posix_spawn failed: No such file or directory". An uninstall, or
// a recovery, waits for such a compile to end.

function closed(child: ChildProcess): Promise<{ status: number | null; stderr: string; at: bigint }> {
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stderr, at: process.hrtime.bigint() })));
}

function debianTree(): { dir: string; bin: string } {
  const { root: dir, bin } = makeDebianTree('hcl-uninstall-waits-');
  expect(fs.readlinkSync(join(bin, 'clang-15'))).toBe('clang');
  return { dir, bin };
}

// Polls `ready` until it holds or the compile has ended (then the caller's
// assertion says what was seen): no bound on elapsed time, which a busy
// machine would exceed; the test's own timeout is the backstop.
async function until(compiled: Promise<unknown>, ready: () => boolean): Promise<void> {
  let ended = false;
  void compiled.then(() => (ended = true));
  while (!ended && !ready()) await new Promise((r) => setTimeout(r, 25));
}

// Runs `clang-15` while `uninstall` runs: the compile must end first, and succeed.
async function compileDuringUninstall(dir: string, bin: string, argv0: string): Promise<void> {
  // The driver's arguments come in a response file that is a FIFO, so the
  // driver waits in its own process, before any job, until it is written.
  // -fno-integrated-cc1: the compile is a new process of the driver's file.
  fs.writeFileSync(join(dir, 'x.c'), 'int twice(int x) { return 2 * x; }\n');
  execFileSync('mkfifo', [join(dir, 'args.rsp')]);
  const compile = spawn(join(bin, 'clang-15'), ['@args.rsp'], { cwd: dir, env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  const compiled = closed(compile);
  // Until the shim has become the real compiler (just after the exec, the new argv may not show yet).
  const seen = () => [fs.readlinkSync(`/proc/${compile.pid}/exe`), fs.readFileSync(`/proc/${compile.pid}/cmdline`, 'utf8').split('\0')[0]];
  const expected = [join(bin, 'clang-real'), join(bin, argv0)];
  await until(compiled, () => seen().join() === expected.join());
  expect(seen()).toEqual(expected);

  await uninstallWaitsFor(dir, compiled, () => fs.writeFileSync(join(dir, 'args.rsp'), '-fno-integrated-cc1 -c x.c -o x.o\n'));
  for (const file of ['x.c', 'args.rsp', 'x.o']) fs.rmSync(join(dir, file));
}

// Starts `uninstall` while the compile is held, releases it, and checks the
// uninstall waited: still running after a while, ended after the compile,
// which succeeded.
async function uninstallWaitsFor(dir: string, compiled: ReturnType<typeof closed>, release: () => void): Promise<void> {
  const uninstall = spawn(built.linux, ['uninstall', dir], { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  const uninstalled = closed(uninstall);
  // Long enough for an uninstall that does not wait to have finished.
  const early = await Promise.race([uninstalled.then(() => 'uninstall ended first'), new Promise((r) => setTimeout(() => r('still waiting'), 3000))]);
  release();
  const [c, u] = await Promise.all([compiled, uninstalled]);
  expect(c.stderr).toBe('');
  expect(c.status).toBe(0);
  expect(early).toBe('still waiting');
  expect(u.status, u.stderr).toBe(0);
  expect(c.at).toBeLessThan(u.at);
  expect(fs.statSync(join(dir, 'x.o')).size).toBeGreaterThan(0);
}

// Issue 18, item 5: a compile already inside the cache. The shim has become
// the cache (here a stand-in named ccache that waits at a FIFO, then execs the
// compiler it was given, as ccache does seconds later on a slow machine), and
// the cache runs <bin>/clang-15-real by that name: the uninstall that removes
// it must wait for the cache process, which shows the name only in its argv.
// With `viaLink`, the cache holds a link to it instead: what the shim gives a
// cache for clang 19 and later (src/launcher/cache-name-link.ts, a link in the state
// dir named as invoked); host clang is 15, so the stand-in makes that link.
// With `reexec`, the stand-in holding the link execs itself over and over
// until released: inside each exec the process shows its new exe with an
// empty cmdline for a moment, which the wait once took for a process using
// nothing, and stopped waiting for (the lab stress test's one failed compile).
async function cacheDuringUninstall(dir: string, bin: string, viaLink = false, reexec = false): Promise<void> {
  fs.writeFileSync(join(dir, 'x.c'), 'int twice(int x) { return 2 * x; }\n');
  const gate = join(dir, 'gate');
  if (!reexec) execFileSync('mkfifo', [gate]);
  const cache = join(dir, 'cache', 'ccache');
  const link = join(dir, 'cache', 'clang-15');
  fs.mkdirSync(join(dir, 'cache'));
  const relink = viaLink ? 'if [ "$1" != "$HCL_TEST_LINK" ]; then ln -s "$1" "$HCL_TEST_LINK"; shift; exec "$0" "$HCL_TEST_LINK" "$@"; fi\n' : '';
  const hold = reexec ? '[ -e "$HCL_TEST_GATE" ] || exec "$0" "$@"' : 'read line < "$HCL_TEST_GATE"';
  fs.writeFileSync(cache, `#!/bin/sh\n${relink}${hold}\nexec "$@"\n`, { mode: 0o755 });
  const compile = spawn(join(bin, 'clang-15'), ['-c', 'x.c', '-o', 'x.o'], {
    cwd: dir, env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: cache, HCL_TEST_GATE: gate, HCL_TEST_LINK: link }), stdio: ['ignore', 'ignore', 'pipe'],
  });
  const compiled = closed(compile);
  const argv = () => fs.readFileSync(`/proc/${compile.pid}/cmdline`, 'utf8').split('\0');
  const held = viaLink ? link : join(bin, 'clang-15-real');
  // One read, checked whole: a process inside an exec shows no argv for that moment.
  let seen: string[] = [];
  await until(compiled, () => (seen = argv()).includes(cache) && seen.includes(held));
  expect(seen).toContain(held);
  if (viaLink) expect(fs.readlinkSync(link)).toBe(join(bin, 'clang-15-real'));

  await uninstallWaitsFor(dir, compiled, () => fs.writeFileSync(gate, 'go\n'));
  for (const file of ['x.c', 'gate', 'x.o', 'cache']) fs.rmSync(join(dir, file), { recursive: true });
}

describe('uninstall while a compile runs the real clang', () => {
  it('a compile inside the cache, which will run clang-15-real by that name: it ends first and succeeds; the tree is as it began', async () => {
    const { dir, bin } = debianTree();
    const pristine = treeListing(dir);
    expect(hcl(['install', dir, '--cache', 'none']).status).toBe(0);
    await cacheDuringUninstall(dir, bin);
    expect(listingDiff(pristine, treeListing(dir))).toEqual([]);
  });

  it('a compile inside the cache, which holds a link to clang-15-real (the shim\'s per-user link): it ends first and succeeds; the tree is as it began', async () => {
    const { dir, bin } = debianTree();
    const pristine = treeListing(dir);
    expect(hcl(['install', dir, '--cache', 'none']).status).toBe(0);
    await cacheDuringUninstall(dir, bin, true);
    expect(listingDiff(pristine, treeListing(dir))).toEqual([]);
  });

  it('a compile inside the cache, which holds the link while it execs again and again: the wait never takes it for done; it ends first and succeeds', async () => {
    const { dir, bin } = debianTree();
    const pristine = treeListing(dir);
    expect(hcl(['install', dir, '--cache', 'none']).status).toBe(0);
    await cacheDuringUninstall(dir, bin, true, true);
    expect(listingDiff(pristine, treeListing(dir))).toEqual([]);
  });

  it('installed: the compile (argv[0] clang-15, the invoked name; its exe clang-real) ends first and succeeds; the tree is as it began', async () => {
    const { dir, bin } = debianTree();
    const pristine = treeListing(dir);
    expect(hcl(['install', dir, '--cache', 'none']).status).toBe(0);
    await compileDuringUninstall(dir, bin, 'clang-15');
    expect(listingDiff(pristine, treeListing(dir))).toEqual([]);
  });

  it('an install killed mid-way: a compile through the journal (argv[0] clang-15, only its exe shows clang-real) ends before the recovery removes clang-real', async () => {
    // The first change at which a killed install leaves clang-15 on the shim, with no manifest yet.
    let found: { dir: string; bin: string; pristine: Map<string, string> } | undefined;
    for (let n = 1; n <= 40 && !found; n++) {
      const { dir, bin } = debianTree();
      const pristine = treeListing(dir);
      const killed = hcl(['install', dir, '--cache', 'none'], { [FAULT_VAR]: `kill-at=${n}` });
      if (killed.status === 0) break;
      const onShim = fs.realpathSync(join(bin, 'clang-15')) === join(bin, 'hip-clang-launcher');
      if (onShim && !fs.existsSync(join(bin, 'hip-clang-launcher.shim.json')) && fs.existsSync(join(bin, 'hip-clang-launcher.journal'))) found = { dir, bin, pristine };
    }
    expect(found, 'no point of the install left clang-15 on the shim without a manifest').toBeDefined();
    const { dir, bin, pristine } = found!;
    await compileDuringUninstall(dir, bin, 'clang-15');
    expect(listingDiff(pristine, treeListing(dir))).toEqual([]);
  });
});
