import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, run, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, repoRoot, tools } from '../helpers/tools.js';

// The Linux executable runs the hot path's bundle from an asset with V8's
// code cache taken after warm-up calls (src/sea-entry.ts,
// scripts/code-cache.mjs). A cache V8 rejects would cost its ~2 ms per call
// and nothing else, so only HIP_CLANG_LAUNCHER_DEBUG shows it: checked here,
// on the executable as users run it, in each of its three modes.
describe('code cache of the linux-x64 executable', () => {
  const dir = makeTempDir('hcl-code-cache-');
  copyFileSync(join(repoRoot, 'test/fixtures/plain.cpp'), join(dir, 'plain.cpp'));
  const cacheBytes = readFileSync(join(repoRoot, 'build/main.cache')).length;
  const accepted = `hip-clang-launcher: debug: code cache of ${cacheBytes} bytes accepted\n`;
  const adminAccepted = `hip-clang-launcher: debug: admin CLI code cache of ${readFileSync(join(repoRoot, 'build/cli.cache')).length} bytes accepted\n`;

  it('is accepted by the embedded Node on a compile, and the object is the direct compile\'s', () => {
    const direct = run(tools.clangxx, ['-O2', '-c', 'plain.cpp', '-o', 'direct.o'], { cwd: dir });
    expect(direct.status, direct.stderr).toBe(0);
    const r = runLauncher([tools.clangxx, '-O2', '-c', 'plain.cpp', '-o', 'launched.o'], { cwd: dir, env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none', HIP_CLANG_LAUNCHER_DEBUG: '1' }) });
    // Then the launcher's time by phase (test/launcher/debug-phases.test.ts).
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^${accepted}hip-clang-launcher: debug: [\\d.]+ ms before exec: start [^\\n]*\\(ms\\)\\n$`));
    expect(readFileSync(join(dir, 'launched.o')).equals(readFileSync(join(dir, 'direct.o')))).toBe(true);
    // Without the variable, not a byte more on stderr.
    const quiet = runLauncher([tools.clangxx, '-O2', '-c', 'plain.cpp', '-o', 'quiet.o'], { cwd: dir, env: cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none' }) });
    expect({ status: quiet.status, stderr: quiet.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('serves the admin CLI too: the cached bundle loads the admin bundle with its own cache', () => {
    const r = run(built.linux, ['--version'], { env: cleanEnv({ HIP_CLANG_LAUNCHER_DEBUG: '1' }) });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe(accepted + adminAccepted);
    expect(r.stdout.toString().trim()).toBe(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version);
    // A command that runs a program (ccache, through execa, which is loaded on its first use).
    const stats = run(built.linux, ['stats'], { env: cleanEnv({ HIP_CLANG_LAUNCHER_DEBUG: '1', HIP_CLANG_LAUNCHER_CACHE: 'ccache', CCACHE_DIR: join(dir, 'ccache') }) });
    expect(stats.status, stats.stderr).toBe(0);
    expect(stats.stderr).toBe(accepted + adminAccepted);
    expect(stats.stdout.toString()).toMatch(/^cache: ccache \d+\.\d+[^\n]*\n {2}hits 0, misses 0,/m);
  });

  it('is made from the exact source the executable carries (each bundle in the CommonJS wrapper)', () => {
    const exe = readFileSync(built.linux);
    for (const bundle of ['main', 'cli']) {
      const body = readFileSync(join(repoRoot, `build/${bundle}.cjs`), 'utf8').replace(/^#!.*\n/, '');
      const wrapped = readFileSync(join(repoRoot, `build/${bundle}.js`), 'utf8');
      expect(wrapped).toBe(`(function (exports, require, module, __filename, __dirname) {${body}\n})`);
      expect(exe.includes(Buffer.from(wrapped, 'latin1'))).toBe(true);
      expect(exe.includes(readFileSync(join(repoRoot, `build/${bundle}.cache`)))).toBe(true);
    }
  });
});
