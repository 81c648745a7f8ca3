import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, run, runAsync, type RunResult } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, repoRoot, tools } from '../helpers/tools.js';
import { buildHipcc, hipccEnv, sourceOfBuild } from '../patch/hipcc-builds.js';
import { copyHipccDir } from '../patch/tree-snapshot.js';
import { LLVM15, expectRefused, listingDiff, liveLockRecord, makeTree, treeListing } from '../shim/trees.js';

// Every row of the README's exit-code table ("Commands, exit codes and
// files"), each on the built executable as a user meets it, with the one-line
// message that sends them the right way. Then the paths: a relative path
// works wherever a path is taken.

const README_ROWS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 70];

function hcl(args: string[], options: { env?: Record<string, string | undefined>; cwd?: string } = {}): RunResult & { out: string } {
  const r = run(built.linux, args, { env: cleanEnv(options.env ?? {}), cwd: options.cwd });
  return { ...r, out: r.stdout.toString('utf8') };
}

describe('exit codes, one test per row of the README table (built executable)', () => {
  let dir: string;
  // Row 10's install waits its full lock wait (5 s) for this live process's
  // lock before it refuses: started here, awaited by its test, so the wait
  // passes while the rows before it run.
  let locked: Promise<RunResult>;
  beforeAll(() => {
    dir = makeTempDir('hcl-exit-');
    const tree = makeTree(join(dir, 'locked'), 'real-files', true);
    // This test's own process: alive throughout.
    fs.writeFileSync(join(tree.bin, 'hip-clang-launcher.lock'), liveLockRecord());
    locked = runAsync(built.linux, ['install', tree.root], { env: cleanEnv() });
    locked.catch(() => undefined); // awaited (and reported) by its test
  });

  it('the README table lists exactly these codes', () => {
    const readme = fs.readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('Exit codes of `hip-clang-launcher` itself'));
    const rows = [...table.slice(0, table.indexOf('\n\n', table.indexOf('| code |'))).matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
    expect(rows).toEqual(README_ROWS);
  });

  it('0: done; check-hipcc on a hipcc that honours HIP_CLANG_LAUNCHER (our patched 7.0.2)', () => {
    expect(hcl(['--version']).status).toBe(0);
    const r = run(built.linux, ['check-hipcc', buildHipcc('patched')], { env: hipccEnv() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString()).toMatch(/^route: {2}launcher: set HIP_CLANG_LAUNCHER=/m);
  });

  it("1: check-hipcc on a hipcc that ignores it (Debian's perl hipcc); patch --check with nothing to do", () => {
    const r = run(built.linux, ['check-hipcc', tools.hipccPerl], { env: hipccEnv() });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout.toString()).toMatch(/^route: {2}shim /m);
    const patched = hcl(['patch', sourceOfBuild(buildHipcc('patched')), '--check']);
    expect(patched.status, patched.stderr).toBe(1);
    expect(patched.out).toContain('already patched by hip-clang-launcher');
  });

  it('2: usage errors and bad settings', () => {
    expectRefused(hcl(['--bogus']), /--bogus/, 2);
    expectRefused(hcl([tools.clangxx, '-c', 'x.c'], { env: { HIP_CLANG_LAUNCHER_CACHE: 'bogus' } }), /HIP_CLANG_LAUNCHER_CACHE=bogus is not understood; use auto, sccache, ccache, none/, 2);
    expectRefused(hcl(['install', dir, '--cache', 'bogus']), /bogus/, 2);
  });

  it('3: an explicitly chosen cache, or the compiler, does not exist', () => {
    expectRefused(hcl([tools.clangxx, '-c', 'x.c'], { env: { HIP_CLANG_LAUNCHER_CACHE: join(dir, 'no', 'ccache') } }), /is not an executable file; fix the path, or set HIP_CLANG_LAUNCHER_CACHE=auto/, 3);
    expectRefused(hcl([join(dir, 'no', 'clang++'), '-c', 'x.c']), /compiler \S+ does not exist or is not executable; pass the full path/, 3);
  });

  it('4: the compiler is this launcher', () => {
    expectRefused(hcl([built.linux, '-c', 'x.c']), /is hip-clang-launcher itself; give the real compiler/, 4);
  });

  it('5: not a hipcc source tree (patch), no clang there (install)', () => {
    fs.mkdirSync(join(dir, 'empty'));
    expectRefused(hcl(['patch', join(dir, 'empty')]), /is not a hipcc source tree/, 5);
    expectRefused(hcl(['install', join(dir, 'empty')]), /no clang or clang\+\+ in /, 5);
  });

  it('6: a patch hunk does not apply, nothing changed', () => {
    const tree = copyHipccDir(join(dir, 'conflict'));
    const base = join(tree, 'src/hipBin_base.h');
    fs.writeFileSync(base, fs.readFileSync(base, 'utf8').replace('envVariables_.hipCompileCxxAsHipEnv_ = hipCompileCxxAsHip;', 'envVariables_.hipCompileCxxAsHipEnv_ = hipCompileCxxAsHip; // local'));
    const before = fs.readFileSync(base, 'utf8');
    expectRefused(hcl(['patch', tree]), /does not match hunk #\d+ of .*nothing was changed/, 6);
    expect(fs.readFileSync(base, 'utf8')).toBe(before);
  });

  it('7: the tree is not writable, nothing changed', () => {
    const tree = makeTree(join(dir, 'ro'), 'real-files', true);
    const before = treeListing(tree.root);
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(tree.bin, 0o555);
    try {
      // root may write anywhere: a user who may not change the tree meets it.
      const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', built.linux] : [built.linux];
      const out = execFileSync('sh', ['-c', '"$@" 2>&1; echo "exit=$?"', 'sh', ...asUser, 'install', tree.root], { encoding: 'utf8' });
      expect(out).toMatch(/^hip-clang-launcher: error: \S+ is not writable; [^\n]*\nexit=7\n$/);
    } finally {
      fs.chmodSync(tree.bin, 0o755);
    }
    expect(listingDiff(before, treeListing(tree.root))).toEqual([]);
  });

  it("8: a tree already wrapped by another tool (TheRock's backup_for_sccache)", () => {
    const tree = makeTree(join(dir, 'therock'), 'real-files', true);
    fs.mkdirSync(join(tree.bin, 'backup_for_sccache'));
    fs.renameSync(join(tree.bin, 'clang++'), join(tree.bin, 'backup_for_sccache', 'clang++'));
    fs.writeFileSync(join(tree.bin, 'clang++'), '#!/bin/sh\nexec sccache "$(dirname "$0")/backup_for_sccache/clang++" "$@"\n', { mode: 0o755 });
    expectRefused(hcl(['install', tree.root]), /backup_for_sccache exists: this tree is wrapped by TheRock's setup_sccache_rocm\.py/, 8);
  });

  it('9: a corrupt shim manifest', () => {
    const tree = makeTree(join(dir, 'corrupt'), 'real-files', true);
    fs.writeFileSync(join(tree.bin, 'hip-clang-launcher.shim.json'), '{"manifestVersion": 1, "entries": "garbage"}');
    for (const command of ['status', 'install', 'uninstall']) expectRefused(hcl([command, tree.root]), /manifest/, 9);
  });

  it('10: another install holds the lock', async () => {
    expectRefused(await locked, /another install or uninstall \(pid \d+\) is running/, 10);
  });

  it('11: install failed at a step and rolled back, the tree as it was', () => {
    const tree = makeTree(join(dir, 'fault'), 'real-files', true);
    const before = treeListing(tree.root);
    expectRefused(hcl(['install', tree.root], { env: { HIP_CLANG_LAUNCHER_TEST_FAULT: 'fail-at=2' } }), /./, 11);
    expect(listingDiff(before, treeListing(tree.root))).toEqual([]);
  });

  it('12: drift, from status and from an uninstall that meets an upgraded real compiler', () => {
    const tree = makeTree(join(dir, 'drift'), 'real-files', true);
    expect(hcl(['install', tree.root]).status).toBe(0);
    expect(hcl(['status', tree.root]).status).toBe(0);
    const newer = join(tree.bin, 'clang++-real.new');
    fs.copyFileSync(join(LLVM15, 'bin/clang'), newer);
    fs.appendFileSync(newer, 'upgrade');
    fs.renameSync(newer, join(tree.bin, 'clang++-real'));
    const status = hcl(['status', tree.root]);
    expect(status.status).toBe(12);
    expect(status.out).toMatch(/^drift: {4}\d+ finding\(s\); run install to repair$/m);
    expectRefused(hcl(['uninstall', tree.root]), /the real compiler behind clang\+\+, changed since install \(an upgrade\?\)/, 12);
  });

  it('13: a program the admin CLI runs is missing (check-hipcc on a hipcc that does not exist)', () => {
    expectRefused(hcl(['check-hipcc', join(dir, 'no', 'hipcc')]), /hipcc \S+ does not exist; give the path of a built hipcc/, 13);
  });

  it('14: a file to read is missing or not a regular file (stats --log)', () => {
    expectRefused(hcl(['stats', '--log', join(dir, 'no.jsonl')], { env: { HIP_CLANG_LAUNCHER_CACHE: 'none' } }), /call log \S+ does not exist/, 14);
    fs.symlinkSync('/etc/hostname', join(dir, 'link.jsonl'));
    expect(hcl(['stats', '--log', join(dir, 'link.jsonl')], { env: { HIP_CLANG_LAUNCHER_CACHE: 'none' } }).status).toBe(14);
  });

  it('70: an internal error (the test hook stands for a bug)', () => {
    expectRefused(hcl(['which-cache'], { env: { HIP_CLANG_LAUNCHER_TEST_FAULT: 'internal-error' } }), /^hip-clang-launcher: error: internal error: /, 70);
  });
});

describe('relative paths work wherever a path is taken (built executable)', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-relative-');
  });

  it('check-hipcc ./hipcc and doctor ./hipcc', () => {
    // Debian's perl hipcc, from its own directory (it finds its files beside its real path).
    const cwd = dirname(tools.hipccPerl);
    const r = run(built.linux, ['check-hipcc', './hipcc'], { env: hipccEnv(), cwd });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout.toString()).toMatch(/^route: {2}shim /m);
    const doctor = run(built.linux, ['doctor', './hipcc', '--json'], { env: hipccEnv({ HIP_CLANG_LAUNCHER_CACHE: 'ccache' }), cwd });
    expect(JSON.parse(doctor.stdout.toString()).findings.find((f: { check: string }) => f.check === 'hipcc').found).toMatch(/ignores HIP_CLANG_LAUNCHER/);
  });

  it('install, status and uninstall of a relative tree; patch --check of a relative source; stats --log of a relative file', () => {
    const tree = makeTree(dir, 'real-files', true);
    const rel = relative(dir, tree.root);
    expect(hcl(['install', rel], { cwd: dir }).status).toBe(0);
    expect(hcl(['status', rel], { cwd: dir }).out).toMatch(/^drift: {4}none$/m);
    expect(hcl(['uninstall', rel], { cwd: dir }).status).toBe(0);
    const source = copyHipccDir(join(dir, 'hipcc-src'));
    const check = hcl(['patch', relative(dir, source), '--check'], { cwd: dir });
    expect(check.status, check.stderr).toBe(0);
    fs.writeFileSync(join(dir, 'calls.jsonl'), '');
    expect(hcl(['stats', '--log', 'calls.jsonl'], { cwd: dir, env: { HIP_CLANG_LAUNCHER_CACHE: 'none' } }).status).toBe(0);
  });
});

// which-cache warns about a chosen cache that cannot run, as doctor does.
describe('which-cache on an sccache that cannot run (built executable)', () => {
  it('names it, says its version could not be learned, and warns, in text and JSON', () => {
    const bin = join(makeTempDir('hcl-broken-sccache-'), 'bin');
    fs.mkdirSync(bin);
    // As Debian 13's sccache on Debian 12 without its glibc: it starts, and fails at once.
    fs.writeFileSync(join(bin, 'sccache'), '#!/bin/sh\necho "sccache: /lib/x86_64-linux-gnu/libc.so.6: version \'GLIBC_2.38\' not found" >&2\nexit 1\n', { mode: 0o755 });
    const env = { PATH: `${bin}:/usr/bin:/bin` };
    const text = hcl(['which-cache'], { env });
    expect(text.status, text.stderr).toBe(0);
    expect(text.out).toContain(`hip:    ${join(bin, 'sccache')} (sccache (version unknown))`);
    expect(text.out).toContain(`  warning: its version could not be learned (\`${join(bin, 'sccache')} --version\` printed none): it may not run here`);
    const json = JSON.parse(hcl(['which-cache', '--json'], { env }).out);
    expect(json.hip.warning).toMatch(/it may not run here/);
    const doctor = JSON.parse(hcl(['doctor', '--json'], { env }).out);
    expect(doctor.findings.find((f: { check: string }) => f.check === 'cache').status).toBe('warn');
  });
});
