import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { tools } from '../helpers/tools.js';

// What the admin CLI prints may come from a log or a file that anyone with
// write access shaped: it never reaches the terminal as raw control bytes.
// A relative state directory would put state into every build directory: the
// CLI refuses it in one line; the launcher ignores it and still compiles.

// Any C0 control but newline and tab, DEL, or a C1 control (U+0080-U+009F).
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f]/;

describe('the admin CLI and text it did not write (built executable)', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir('hcl-hostile-text-');
  });

  it('stats prints no raw control characters from the log, in text or JSON', () => {
    const log = join(dir, 'evil.jsonl');
    const evil = (tag: string) => `${tag}\u001b]0;owned\u0007\u001b[2J\u009b31m\r\u0008\nforged line`;
    const record = {
      time: '2026-12-01T00:00:00.000Z',
      pid: 1,
      compiler: evil('/usr/bin/clang'),
      cache: evil('/usr/bin/ccache'),
      route: evil('cache'),
      reason: evil('reason'),
      language: evil('hip'),
      rules: [{ rule: evil('cuid'), reason: evil('rule reason') }],
      exitCode: 1,
      signal: evil('SIGTERM'),
      durationMs: 1,
      launcherMs: 1,
    };
    writeFileSync(log, `${JSON.stringify(record)}\n${JSON.stringify({ ...record, signal: null, route: 'cache' })}\n`);
    const env = cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'none', HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state') });
    const text = runLauncher(['stats', '--log', log], { env, cwd: dir });
    expect(text.status, text.stderr).toBe(0);
    const out = text.stdout.toString('utf8');
    expect(out).not.toMatch(RAW_CONTROL);
    // The values are still there, escaped, and no value starts a line of its own.
    expect(out).toContain('\\x1b]0;owned\\x07');
    expect(out).not.toMatch(/^forged line/m);
    const json = runLauncher(['stats', '--json', '--log', log], { env, cwd: dir });
    expect(json.status, json.stderr).toBe(0);
    expect(json.stdout.toString('utf8')).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(json.stdout.toString('utf8')).calls.compilers[evil('/usr/bin/clang')]).toBe(2);
  });

  for (const variable of ['HIP_CLANG_LAUNCHER_STATE_DIR', 'XDG_CACHE_HOME']) {
    it(`a relative ${variable}: the CLI refuses it in one line; the launcher compiles and writes no state into the build directory`, () => {
      const work = join(dir, `relative-${variable}`);
      mkdirSync(work);
      writeFileSync(join(work, 'k.cpp'), 'int f(int x) { return x + 1; }\n');
      const env = cleanEnv({ HIP_CLANG_LAUNCHER_CACHE: 'ccache', CCACHE_DIR: join(dir, 'ccache'), HOME: join(dir, 'home'), [variable]: 'relative/state' });
      for (const command of [['which-cache'], ['doctor'], ['stats']]) {
        const r = runLauncher(command, { env, cwd: work });
        expect({ command, status: r.status }).toEqual({ command, status: 2 });
        expect(r.stderr).toMatch(new RegExp(`^hip-clang-launcher: error: ${variable}=relative/state is a relative path[^\\n]*; [^\\n]*\\n$`));
      }
      expect(readdirSync(work)).toEqual(['k.cpp']);
      const r = runLauncher([tools.clangxx, '-c', 'k.cpp', '-o', 'k.o'], { env, cwd: work });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      expect(readdirSync(work).sort()).toEqual(['k.cpp', 'k.o']);
      expect(existsSync(join(work, 'relative'))).toBe(false);
    });
  }
});
