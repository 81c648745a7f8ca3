import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { repoRoot } from '../helpers/tools.js';
import { buildHipcc, sourceOfBuild } from './hipcc-builds.js';
import { gitIn, makeLlvmProject, snapshot } from './tree-snapshot.js';

// The patches as TheRock applies its own: `git am --whitespace=nowarn
// --no-gpg-sign`, without --3way, in llvm-project-shaped git repositories made
// from the 7.0.2 tarball's files.
const patchIn = (dir: string) => {
  const files = readdirSync(join(repoRoot, dir)).filter((f) => f.endsWith('.patch'));
  expect(files).toHaveLength(1);
  return join(repoRoot, dir, files[0]!);
};
const backport = patchIn('patches/backport');
const windowsFix = patchIn('patches/windows-quoting-fix');
const fixture = join(repoRoot, 'test/fixtures/hipcc/fixture-upstream-hip-clang-launcher.patch');
const gitAm = (repo: string, patches: string[]) => gitIn(repo, ['am', '--whitespace=nowarn', '--no-gpg-sign', ...patches]);

describe('git am, and TheRock checkouts', () => {
  let dir: string;
  let patchedSource: Map<string, string>;
  let upstreamFixedSource: Map<string, string>;
  beforeAll(() => {
    dir = makeTempDir('hcl-git-am-');
    patchedSource = snapshot(sourceOfBuild(buildHipcc('patched')), false);
    upstreamFixedSource = snapshot(sourceOfBuild(buildHipcc('upstream-fixed')), false);
  });

  it('the backport applies with git am to an llvm-project checkout of 7.0.2, as a commit with its subject', () => {
    const repo = makeLlvmProject(join(dir, 'llvm-a'), true);
    gitAm(repo, [backport]);
    // git am drops the [hipcc] tag from the subject, as it does for TheRock's own patches.
    expect(gitIn(repo, ['log', '-1', '--format=%s'])).toBe('Add HIP_CLANG_LAUNCHER to run clang through a compiler cache\n');
    expect(gitIn(repo, ['status', '--porcelain'])).toBe('');
    expect(snapshot(join(repo, 'amd/hipcc'), false)).toEqual(patchedSource);
  });

  // Upstream's lines as the project's notes give them (llvm-project after PR
  // #1490): each run must appear in the fixture's tree line for line, so a
  // patch whose context applies there applies to upstream.
  it("the fixture gives 7.0.2 upstream's exact lines: field, getenv spelling, operator<< line, blank lines", () => {
    const source = sourceOfBuild(buildHipcc('upstream'));
    const lines = (file: string) => readFileSync(join(source, 'src', file), 'utf8').split('\n');
    const holdsRun = (file: string, run: string[]) => {
      const all = lines(file);
      return all.some((_, i) => run.every((line, k) => all[i + k] === line));
    };
    expect(holdsRun('hipBin_amd.h', [
      '  string CMD = compiler;',
      '',
      '  if (!var.hipClangLauncher_.empty()) {',
      '    CMD = "\\"" + var.hipClangLauncher_ + "\\" \\"" + compiler + "\\"";',
      '  }',
      '',
      '  if (needCFLAGS) {',
    ])).toBe(true);
    expect(holdsRun('hipBin_base.h', ['# define HCC_AMDGPU_TARGET              "HCC_AMDGPU_TARGET"', '# define HIP_CLANG_LAUNCHER             "HIP_CLANG_LAUNCHER"'])).toBe(true);
    expect(holdsRun('hipBin_base.h', ['  string hccAmdGpuTargetEnv_ = "";', '  string hipClangLauncher_ = "";'])).toBe(true);
    expect(holdsRun('hipBin_base.h', [
      '    os << "Hcc Amd Gpu Target: "             << var.hccAmdGpuTargetEnv_ << endl;',
      '    os << "Hip Clang launcher: "             << var.hipClangLauncher_ << endl;',
    ])).toBe(true);
    expect(holdsRun('hipBin_base.h', [
      '  if (const char* hipClangLuancher = std::getenv(HIP_CLANG_LAUNCHER))',
      '    envVariables_.hipClangLauncher_ = hipClangLuancher;',
      '}',
    ])).toBe(true);
    // The fix's context is exactly such a run: its hunk needs both blank lines.
    const fix = readFileSync(windowsFix, 'utf8');
    expect(fix).toContain('   string CMD = compiler;\n \n   if (!var.hipClangLauncher_.empty()) {\n');
    expect(fix).toContain('   }\n \n   if (needCFLAGS) {\n');
  });

  it("the Windows quoting fix applies with git am on top of upstream's variable (test fixture), not to a tree without it", () => {
    const repo = makeLlvmProject(join(dir, 'llvm-b'), true);
    gitAm(repo, [fixture, windowsFix]);
    expect(snapshot(join(repo, 'amd/hipcc'), false)).toEqual(upstreamFixedSource);

    const plain = makeLlvmProject(join(dir, 'llvm-plain'), true);
    expect(() => gitAm(plain, [windowsFix])).toThrow(/patch does not apply|Patch failed/);
  });

  it("TheRock: --therock-patches adds the patch last in TheRock's series; TheRock's git am of the series gives the patched source; --revert removes it", () => {
    const therock = join(dir, 'TheRock');
    const series = join(therock, 'patches/amd-mainline/llvm-project');
    mkdirSync(series, { recursive: true });
    const llvm = makeLlvmProject(join(therock, 'compiler/amd-llvm'), true);
    // A patch TheRock already carries, so ours must sort after it.
    writeFileSync(join(llvm, 'amd/hipcc/README.md'), `${readFileSync(join(llvm, 'amd/hipcc/README.md'), 'utf8')}\nTheRock note.\n`);
    gitIn(llvm, ['commit', '-q', '-am', 'TheRock: note in the hipcc README']);
    gitIn(llvm, ['format-patch', '-1', '-o', series]);
    gitIn(llvm, ['reset', '-q', '--hard', 'HEAD~1']);
    // Contents only: git reset rewrites files under the umask.
    const pristine = snapshot(therock, false);

    const check = runLauncher(['patch', therock, '--therock-patches', '--check']);
    expect(check.status).toBe(0);
    expect(check.stdout.toString()).toContain('(TheRock checkout)');
    expect(snapshot(therock, false)).toEqual(pristine);

    const r = runLauncher(['patch', therock, '--therock-patches']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const names = readdirSync(series).sort();
    expect(names).toEqual(['0001-TheRock-note-in-the-hipcc-README.patch', '0002-hipcc-Add-HIP_CLANG_LAUNCHER-to-run-clang-through-a-.patch']);
    expect(readFileSync(join(series, names[1]!), 'utf8')).toBe(readFileSync(backport, 'utf8'));
    expect(runLauncher(['patch', therock, '--therock-patches']).stdout.toString()).toContain("nothing to do: already in TheRock's patches");

    // What TheRock's fetch_sources does with the series, sorted by name.
    gitAm(llvm, names.map((n) => join(series, n)));
    const hipcc = snapshot(join(llvm, 'amd/hipcc'), false);
    expect(hipcc.get('src/hipBin_amd.h')).toBe(patchedSource.get('src/hipBin_amd.h'));
    expect(hipcc.get('src/hipBin_base.h')).toBe(patchedSource.get('src/hipBin_base.h'));
    gitIn(llvm, ['reset', '-q', '--hard', 'HEAD~2']);

    expect(runLauncher(['patch', therock, '--therock-patches', '--revert']).status).toBe(0);
    expect(snapshot(therock, false)).toEqual(pristine);
  });

  it("TheRock with upstream's variable (a Windows build): --therock-patches adds the Windows quoting fix, and TheRock's git am gives the fixed source", () => {
    const therock = join(dir, 'TheRock-windows');
    const series = join(therock, 'patches/amd-mainline/llvm-project');
    mkdirSync(series, { recursive: true });
    // TheRock main fetches llvm-project with upstream's HIP_CLANG_LAUNCHER already in it.
    const llvm = makeLlvmProject(join(therock, 'compiler/amd-llvm'), true);
    gitAm(llvm, [fixture]);
    const r = runLauncher(['patch', therock, '--therock-patches']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toContain("found: upstream HIP_CLANG_LAUNCHER support (ROCm 7.13+), with upstream's Windows quoting bug");
    expect(readdirSync(series)).toEqual(['0001-hipcc-Pass-the-compiler-to-HIP_CLANG_LAUNCHER-as-one.patch']);
    expect(readFileSync(join(series, '0001-hipcc-Pass-the-compiler-to-HIP_CLANG_LAUNCHER-as-one.patch'), 'utf8')).toBe(readFileSync(windowsFix, 'utf8'));
    gitAm(llvm, [join(series, '0001-hipcc-Pass-the-compiler-to-HIP_CLANG_LAUNCHER-as-one.patch')]);
    expect(snapshot(join(llvm, 'amd/hipcc'), false)).toEqual(upstreamFixedSource);
  });

  it('TheRock without --therock-patches patches its llvm-project source in place', () => {
    const therock = join(dir, 'TheRock-inplace');
    mkdirSync(join(therock, 'patches/amd-mainline'), { recursive: true });
    const llvm = makeLlvmProject(join(therock, 'compiler/amd-llvm'));
    const r = runLauncher(['patch', therock]);
    expect(r.status).toBe(0);
    expect(snapshot(join(llvm, 'amd/hipcc'), false)).toEqual(patchedSource);
  });
});
