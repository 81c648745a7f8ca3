import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ccacheEnv, ccacheStats, type CcacheStats, statsSince } from '../helpers/caches.js';
import { run } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { tools } from '../helpers/tools.js';
import { hipccEnv, kernelSource } from '../patch/hipcc-builds.js';
import { LLVM15, hcl, listingDiff, ownCopy, treeListing } from './trees.js';
import { linkLlvmTree } from '../../scripts/llvm-tree.mjs';

// Debian's llvm-15/bin as it is (cp -al): clang is the real binary, and
// clang-15, clang-cpp, clang-cl, clang++ are links to it. Wrapping only clang
// and clang++ (the default) must not leave the other links reaching the shim
// under names it does not know: install wraps them too, and a link added
// after install still reaches the real compiler.
describe('links that reach a wrapped compiler (Debian llvm-15 layout)', () => {
  let dir: string;
  let root: string;
  let bin: string;
  let linksToClang: string[];
  const versionOf = (name: string) => execFileSync(join(bin, name), ['--version'], { encoding: 'utf8' });
  beforeAll(() => {
    dir = makeTempDir('hcl-deplinks-');
    root = join(dir, 'llvm-15');
    linkLlvmTree(LLVM15, root);
    bin = join(root, 'bin');
    ownCopy(join(bin, 'clang'));
    linksToClang = readdirSync(bin).filter((n) => n !== 'clang++' && lstatSync(join(bin, n)).isSymbolicLink() && readlinkSync(join(bin, n)) === 'clang');
  });

  it('wraps every link to clang as well, keeps each name working and its driver mode, and restores the tree', () => {
    expect(linksToClang).toEqual(expect.arrayContaining(['clang-15', 'clang-cpp', 'clang-cl']));
    const before = treeListing(root);
    const versions = new Map(['clang', 'clang++', ...linksToClang].map((n) => [n, versionOf(n)]));

    const installed = hcl(['install', root, '--cache', 'ccache']);
    expect(installed.stderr).toBe('');
    expect(installed.status).toBe(0);
    expect(installed.out).toContain(`also wrapped ${[...linksToClang].sort().join(', ')}`);

    for (const [name, version] of versions) expect(versionOf(name)).toBe(version);
    // clang-cpp is the preprocessor mode: it must still preprocess, not compile.
    const cpp = execFileSync(join(bin, 'clang-cpp'), ['-P', '-'], { input: '#define ANSWER 42\nint x = ANSWER;\n', encoding: 'utf8' });
    expect(cpp.trim()).toBe('int x = 42;');

    // A link made after install (not in the manifest) reaches the real compiler, uncached.
    symlinkSync('clang', join(bin, 'clang-late'));
    expect(versionOf('clang-late')).toBe(versions.get('clang'));
    execFileSync('rm', [join(bin, 'clang-late')]);

    expect(hcl(['uninstall', root]).status).toBe(0);
    expect(listingDiff(before, treeListing(root))).toEqual([]);
  });

  it("Debian's perl hipcc, which runs clang-15 here, compiles through the shim: a ccache hit, same object", () => {
    const out = (n: string) => join(dir, `k-${n}.o`);
    const env = (extra: Record<string, string> = {}) => hipccEnv({ HIP_CLANG_PATH: bin, ...extra });
    const args = (o: string) => ['--offload-arch=gfx900', '-c', kernelSource, '-o', o];
    const ref = run(tools.hipccPerl, args(out('ref')), { env: env() });
    expect(ref.status).toBe(0);

    expect(hcl(['install', root, '--cache', 'ccache']).status).toBe(0);
    const cache = ccacheEnv(join(dir, 'cc'));
    // A clean rebuild of one object (the launcher's -cuid makes each output its own cache entry).
    const after: CcacheStats[] = [];
    for (const n of ['1', '2']) {
      rmSync(out('k'), { force: true });
      const r = run(tools.hipccPerl, args(out('k')), { env: env(cache) });
      expect(r.stderr, `compile ${n}`).toBe('');
      expect(r.status).toBe(0);
      expect(readFileSync(out('k')).equals(readFileSync(out('ref')))).toBe(true);
      after.push(ccacheStats(cache));
    }
    // The 1st compile missed (split per arch by default: its parts too), the 2nd is one hit.
    expect(after[0]!.hits).toBe(0);
    expect(statsSince(after[0]!, after[1]!)).toEqual({ hits: 1, misses: 0 });
    expect(hcl(['uninstall', root]).status).toBe(0);
  });
});
