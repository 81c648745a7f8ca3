import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { buildHipcc, sourceOfBuild } from './hipcc-builds.js';
import { copyHipccDir, makeLlvmProject, pristineHipcc, snapshot } from './tree-snapshot.js';

// `hip-clang-launcher patch` from the built executable on copies of the real
// hipcc 7.0.2 source. What it writes is compared with the trees
// scripts/build-hipcc.sh made with `git apply` (and built and tested).
const fixture = join(__dirname, '../fixtures/hipcc/fixture-upstream-hip-clang-launcher.patch');
const patchCli = (args: string[]) => {
  const r = runLauncher(['patch', ...args]);
  return { ...r, stdout: r.stdout.toString('utf8') };
};

describe('hip-clang-launcher patch', () => {
  let dir: string;
  let patchedSource: Map<string, string>;
  let upstreamFixedSource: Map<string, string>;
  const readOnly: string[] = [];
  beforeAll(() => {
    dir = makeTempDir('hcl-patch-cli-');
    patchedSource = snapshot(sourceOfBuild(buildHipcc('patched')), false);
    upstreamFixedSource = snapshot(sourceOfBuild(buildHipcc('upstream-fixed')), false);
  });
  afterAll(() => {
    for (const p of readOnly) run('chmod', ['-R', 'u+w', p]);
  });

  it('on a bare amd/hipcc directory: --check, apply, again (already applied), --check again, --revert', () => {
    const tree = copyHipccDir(join(dir, 'bare'));
    const pristine = snapshot(tree);

    const check = patchCli([tree, '--check']);
    expect(check.status).toBe(0);
    expect(check.stdout).toContain('(amd/hipcc directory)');
    expect(check.stdout).toContain('found: no HIP_CLANG_LAUNCHER support');
    expect(check.stdout).toContain('would change: ');
    expect(snapshot(tree)).toEqual(pristine);

    const apply = patchCli([tree]);
    expect(apply.stderr).toBe('');
    expect(apply.status).toBe(0);
    expect(apply.stdout).toContain('applied: [hipcc] Add HIP_CLANG_LAUNCHER');
    expect(snapshot(tree, false)).toEqual(patchedSource);
    // Only the two patched files changed, and they kept their modes.
    const changed = [...snapshot(tree)].filter(([f, v]) => pristine.get(f) !== v).map(([f, v]) => [f, v.split(' ')[0]]);
    expect(changed).toEqual([['src/hipBin_amd.h', '664'], ['src/hipBin_base.h', '664']]);

    const again = patchCli([tree]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('found: already patched by hip-clang-launcher');
    expect(again.stdout).toContain('nothing to do: already applied');
    expect(snapshot(tree, false)).toEqual(patchedSource);
    expect(patchCli([tree, '--check']).status).toBe(1);

    const revert = patchCli([tree, '--revert']);
    expect(revert.status).toBe(0);
    expect(snapshot(tree)).toEqual(pristine);
    expect(patchCli([tree, '--revert']).stdout).toContain('nothing to revert');
  });

  it("on a tree with upstream's variable (test fixture): reports the Windows bug and applies the quoting fix", () => {
    const tree = makeLlvmProject(join(dir, 'upstream'));
    run('git', ['apply', fixture], { cwd: tree });
    const r = patchCli([tree]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('(llvm-project checkout)');
    expect(r.stdout).toContain("found: upstream HIP_CLANG_LAUNCHER support (ROCm 7.13+), with upstream's Windows quoting bug");
    expect(r.stdout).toContain('applied: [hipcc] Pass the compiler to HIP_CLANG_LAUNCHER as one argument on Windows');
    expect(snapshot(join(tree, 'amd/hipcc'), false)).toEqual(upstreamFixedSource);
    expect(patchCli([tree]).stdout).toContain('nothing to do: already applied');
  });

  it('tells apart upstream\'s form, upstream plus our fix, our backport and a hipcc without the variable', () => {
    const cases = [
      ['unpatched', 0, 'no HIP_CLANG_LAUNCHER support (ROCm 6.x to 7.12)', 'would apply: [hipcc] Add HIP_CLANG_LAUNCHER'],
      ['upstream', 0, "upstream HIP_CLANG_LAUNCHER support (ROCm 7.13+), with upstream's Windows quoting bug", 'would apply: [hipcc] Pass the compiler'],
      ['upstream-fixed', 1, "already patched by hip-clang-launcher: upstream's HIP_CLANG_LAUNCHER plus its Windows quoting fix", 'nothing to do'],
      ['patched', 1, 'already patched by hip-clang-launcher: its backport of HIP_CLANG_LAUNCHER', 'nothing to do'],
    ] as const;
    for (const [variant, status, found, action] of cases) {
      const source = sourceOfBuild(buildHipcc(variant));
      const before = snapshot(source);
      const r = patchCli([source, '--check']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(status);
      expect(r.stdout.split('\n')[1]).toBe(`found: ${found}`);
      expect(r.stdout).toContain(action);
      expect(snapshot(source)).toEqual(before);
    }
  });

  it("upstream's form without its blank lines (the shape of the old fixture) is a clean conflict naming the hunk", () => {
    const tree = makeLlvmProject(join(dir, 'upstream-no-blank'));
    run('git', ['apply', fixture], { cwd: tree });
    const amd = join(tree, 'amd/hipcc/src/hipBin_amd.h');
    writeFileSync(amd, readFileSync(amd, 'utf8').replace('  string CMD = compiler;\n\n', '  string CMD = compiler;\n'));
    const before = snapshot(tree);
    const r = patchCli([tree]);
    expect(r.status).toBe(6);
    expect(r.stderr).toMatch(/^hip-clang-launcher: error: amd\/hipcc\/src\/hipBin_amd\.h does not match hunk #1 of 0001-hipcc-Pass-the-compiler-to-HIP_CLANG_LAUNCHER-as-one\.patch; nothing was changed[^\n]*\n$/);
    expect(snapshot(tree)).toEqual(before);
  });

  it('tolerates what git am tolerates, line offsets, and keeps CRLF line ends of a Windows checkout', () => {
    const tree = copyHipccDir(join(dir, 'offset-crlf'));
    const amd = join(tree, 'src/hipBin_amd.h');
    const base = join(tree, 'src/hipBin_base.h');
    writeFileSync(amd, `// a local comment\n// and another\n${readFileSync(amd, 'utf8')}`);
    writeFileSync(base, readFileSync(base, 'utf8').replaceAll('\n', '\r\n'));
    const r = patchCli([tree]);
    expect(r.status).toBe(0);
    const patchedAmd = readFileSync(amd, 'utf8');
    expect(patchedAmd.startsWith('// a local comment\n// and another\n')).toBe(true);
    expect(patchedAmd).toContain('if (!var.hipClangLauncherEnv_.empty()) {');
    const patchedBase = readFileSync(base, 'utf8');
    expect(patchedBase).toContain('# define HIP_CLANG_LAUNCHER             "HIP_CLANG_LAUNCHER"\r\n');
    expect(patchedBase.replaceAll('\r\n', '')).not.toContain('\n');
    expect(patchCli([tree, '--revert']).status).toBe(0);
    expect(readFileSync(base, 'utf8')).toBe(readFileSync(join(pristineHipcc(), 'src/hipBin_base.h'), 'utf8').replaceAll('\n', '\r\n'));
  });

  it('a hunk that does not match: one line naming file and hunk, exit 6, nothing written (not even the files that matched)', () => {
    const tree = copyHipccDir(join(dir, 'conflict'));
    const base = join(tree, 'src/hipBin_base.h');
    writeFileSync(base, readFileSync(base, 'utf8').replace('envVariables_.hipCompileCxxAsHipEnv_ = hipCompileCxxAsHip;', 'envVariables_.hipCompileCxxAsHipEnv_ = hipCompileCxxAsHip; // local change'));
    const before = snapshot(tree);
    const r = patchCli([tree]);
    expect(r.status).toBe(6);
    expect(r.stderr).toMatch(/^hip-clang-launcher: error: amd\/hipcc\/src\/hipBin_base\.h does not match hunk #4 of 0001-hipcc-Add-HIP_CLANG_LAUNCHER[^\n]*nothing was changed[^\n]*\n$/);
    expect(snapshot(tree)).toEqual(before);
    expect(patchCli([tree, '--check']).status).toBe(6);
  });

  it('a read-only tree: one line, exit 7, nothing written', () => {
    const tree = copyHipccDir(join(dir, 'readonly'));
    readOnly.push(tree);
    chmodSync(join(tree, 'src/hipBin_amd.h'), 0o444);
    chmodSync(join(tree, 'src/hipBin_base.h'), 0o444);
    chmodSync(join(tree, 'src'), 0o555);
    const before = snapshot(tree);
    const r = patchCli([tree]);
    expect(r.status).toBe(7);
    expect(r.stderr).toMatch(/^hip-clang-launcher: error: \S+hipBin_amd\.h is read-only; nothing was changed; [^\n]*\n$/);
    expect(snapshot(tree)).toEqual(before);
  });

  it('not a hipcc tree, or --therock-patches outside TheRock: one line, nothing changed', () => {
    const notTree = makeTempDir('hcl-not-hipcc-');
    const r = patchCli([notTree]);
    expect(r.status).toBe(5);
    expect(r.stderr).toMatch(/^hip-clang-launcher: error: \S+ is not a hipcc source tree [^\n]*\n$/);
    const tree = copyHipccDir(join(dir, 'not-therock'));
    const t = patchCli([tree, '--therock-patches']);
    expect(t.status).toBe(2);
    expect(t.stderr).toMatch(/--therock-patches needs a TheRock checkout/);
    expect(snapshot(tree)).toEqual(snapshot(pristineHipcc()));
  });
});
