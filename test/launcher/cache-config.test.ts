import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../src/host.js';
import { checkCacheConfig } from '../../src/cli/doctor/cache-config.js';
import { learnCacheConfig, parseSccacheConfig } from '../../src/launcher/cache-config.js';
import { ccacheEnv } from '../helpers/caches.js';
import { cleanEnv, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { tools } from '../helpers/tools.js';

// Which ccache.conf files the launcher reads must be the ones ccache reads:
// each case below gives every candidate file a different compiler_check,
// asks the real ccache which one it uses (`--get-config`), and checks the
// launcher learned the same (CCACHE_CONFIGPATH2 stands in for /etc, as in
// ccache's own tests).
describe('the ccache config files, found as ccache finds them', () => {
  let dir: string;
  const host = (env: Record<string, string | undefined>): Host => ({
    platform: 'linux',
    env: { HOME: join(dir, 'home'), CCACHE_CONFIGPATH2: join(dir, 'etc', 'ccache.conf'), HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'), ...env },
    cwd: dir,
    execPath: process.execPath,
    isExecutableFile: () => false,
    realpath: (f) => f,
  });
  const conf = (path: string, lines: string[]) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, `${lines.join('\n')}\n`);
  };
  const ccacheSays = (env: Record<string, string | undefined>) => {
    const full: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...host(env).env };
    for (const [k, v] of Object.entries(full)) if (v === undefined) delete full[k];
    return execFileSync(tools.ccache, ['--get-config', 'compiler_check'], { env: full, encoding: 'utf8' }).trim();
  };

  beforeAll(() => {
    dir = makeTempDir('hcl-ccache-conf-');
    conf(join(dir, 'etc', 'ccache.conf'), ['compiler_check = string:system', 'namespace = from-system']);
    conf(join(dir, 'explicit.conf'), ['compiler_check = string:configpath']);
    conf(join(dir, 'cachedir', 'ccache.conf'), ['compiler_check = string:ccache-dir']);
    conf(join(dir, 'xdg', 'ccache', 'ccache.conf'), ['compiler_check = string:xdg']);
    conf(join(dir, 'home', '.config', 'ccache', 'ccache.conf'), ['# a comment', '  compiler_check=string:home-config  ', '', 'sloppiness = include_file_ctime,pch_defines,time_macros']);
  });

  // Environments made once beforeAll has made `dir`.
  const cases: [string, () => Record<string, string>][] = [
    ['CCACHE_CONFIGPATH alone', () => ({ CCACHE_CONFIGPATH: join(dir, 'explicit.conf') })],
    ['$CCACHE_DIR/ccache.conf over the system config', () => ({ CCACHE_DIR: join(dir, 'cachedir') })],
    ['$XDG_CONFIG_HOME/ccache', () => ({ XDG_CONFIG_HOME: join(dir, 'xdg') })],
    ['~/.config/ccache (whitespace and comments as ccache takes them)', () => ({})],
  ];
  it.each(cases)('%s', (_name, make) => {
    const env = make();
    expect(learnCacheConfig('ccache', host(env)).entries.compiler_check?.value).toBe(ccacheSays(env));
  });

  it('the system config is read first and the primary one wins; CCACHE_CONFIGPATH skips the system config', () => {
    const merged = learnCacheConfig('ccache', host({}));
    expect(merged.entries.namespace).toEqual({ key: 'namespace', value: 'from-system', file: join(dir, 'etc', 'ccache.conf') });
    expect(merged.entries.sloppiness?.value).toBe('include_file_ctime,pch_defines,time_macros');
    expect(merged.files).toEqual([join(dir, 'etc', 'ccache.conf'), join(dir, 'home', '.config', 'ccache', 'ccache.conf')]);
    expect(learnCacheConfig('ccache', host({ CCACHE_CONFIGPATH: join(dir, 'explicit.conf') })).entries.namespace).toBeUndefined();
  });

  it('a legacy ~/.ccache directory takes over from ~/.config/ccache, as in ccache', () => {
    const home = join(dir, 'legacy-home');
    conf(join(home, '.config', 'ccache', 'ccache.conf'), ['compiler_check = string:home-config']);
    const env = { HOME: home };
    expect(learnCacheConfig('ccache', host(env)).entries.compiler_check?.value).toBe(ccacheSays(env));
    conf(join(home, '.ccache', 'ccache.conf'), ['compiler_check = string:legacy']);
    // The directory appearing is a change of the key: no stale memo.
    expect(learnCacheConfig('ccache', host(env)).entries.compiler_check?.value).toBe('string:legacy');
    expect(ccacheSays(env)).toBe('string:legacy');
  });

  it('the system config\'s cache_dir names the primary config when CCACHE_DIR is unset', () => {
    const etc = join(dir, 'etc2', 'ccache.conf');
    conf(etc, [`cache_dir = ${join(dir, 'cachedir')}`]);
    const env = { CCACHE_CONFIGPATH2: etc };
    expect(learnCacheConfig('ccache', host(env)).entries.compiler_check?.value).toBe(ccacheSays(env));
    expect(ccacheSays(env)).toBe('string:ccache-dir');
  });

  it('doctor: sccache\'s basedirs beside HIP_CLANG_LAUNCHER_BASEDIR is said to apply on top (the launcher sets no SCCACHE_BASEDIRS); alone, a plain ok', () => {
    const file = join(dir, 'sccache.conf');
    writeFileSync(file, 'basedirs = ["/elsewhere"]\n[cache.disk]\ndir = "/x"\n');
    const sccache = [{ file: '/usr/bin/sccache', kind: 'sccache' }];
    expect(checkCacheConfig(sccache, host({ SCCACHE_CONF: file, HIP_CLANG_LAUNCHER_BASEDIR: '/w' }))).toEqual([
      { check: 'cache-config', status: 'ok', found: `basedirs = ["/elsewhere"] (${file}) applies on top of HIP_CLANG_LAUNCHER_BASEDIR=/w: the launcher gives sccache the paths under /w already relative, and sets no SCCACHE_BASEDIRS`, fix: null },
    ]);
    const alone = checkCacheConfig(sccache, host({ SCCACHE_CONF: file }));
    expect(alone.map((f) => f.status)).toEqual(['ok']);
    expect(alone[0]!.found).toMatch(/sets basedirs, cache, none of which weakens|sets .*basedirs.*none of which weakens/);
  });

  it('a symlinked config is followed, as ccache follows it; one owned by another user, or a FIFO, is absent', () => {
    const real = join(dir, 'dotfiles', 'ccache.conf');
    conf(real, ['compiler_check = string:dotfile']);
    const linked = join(dir, 'linked.conf');
    symlinkSync(real, linked);
    expect(learnCacheConfig('ccache', host({ CCACHE_CONFIGPATH: linked })).entries.compiler_check?.value).toBe('string:dotfile');
    // Another user's file (the tests run as root, as the lab needs): ccache reads it, the launcher does not trust it.
    const planted = join(dir, 'planted.conf');
    conf(planted, ['compiler_check = none']);
    chownSync(planted, 65534, 65534);
    expect(learnCacheConfig('ccache', host({ CCACHE_CONFIGPATH: planted })).entries.compiler_check).toBeUndefined();
    const fifo = join(dir, 'fifo.conf');
    execFileSync('mkfifo', [fifo]);
    expect(learnCacheConfig('ccache', host({ CCACHE_CONFIGPATH: fifo })).entries).toEqual({});
  });

  it('sccache: top-level keys only, before the first table', () => {
    const entries = Object.create(null);
    parseSccacheConfig('# c\nbasedirs = ["/a", "/b"]\nserver_startup_timeout_ms = 10000\n\n[cache.disk]\ndir = "/x"\nbasedirs = ["/not-top"]\n', '/c', entries);
    expect(entries).toEqual({ basedirs: { key: 'basedirs', value: '["/a", "/b"]', file: '/c' }, server_startup_timeout_ms: { key: 'server_startup_timeout_ms', value: '10000', file: '/c' } });
  });
});

// On the built executable: the memo is what a call reads while the files
// are unchanged (a value planted in it with the right key shows in the log),
// and a memo of the wrong shape is ignored.
describe('the config memo (built executable)', () => {
  it('is read while the config is unchanged, and ignored when malformed', () => {
    const dir = makeTempDir('hcl-conf-memo-');
    writeFileSync(join(dir, 'f.cpp'), 'int f() { return 0; }\n');
    const configPath = join(dir, 'ccache.conf');
    writeFileSync(configPath, 'compiler_check = content\n');
    const state = join(dir, 'state');
    const log = join(dir, 'calls.jsonl');
    const env = cleanEnv({ ...ccacheEnv(dir), CCACHE_CONFIGPATH: configPath, HIP_CLANG_LAUNCHER_CACHE: 'ccache', HIP_CLANG_LAUNCHER_LOG: log, HIP_CLANG_LAUNCHER_STATE_DIR: state });
    const compile = () => expect(runLauncher([tools.clangxx, '-c', 'f.cpp', '-o', 'f.o'], { env, cwd: dir }).status).toBe(0);
    const lastReason = () => {
      const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
      return JSON.parse(lines[lines.length - 1]!).rules.find((r: { rule: string }) => r.rule === 'toolchain-identity')?.reason as string;
    };
    compile();
    expect(lastReason()).toBe(`compiler_check = content in ${configPath}: the cache config's value wins, the launcher adds no CCACHE_COMPILERCHECK`);
    const memos = readdirSync(state).filter((f) => f.startsWith('cache-config-'));
    expect(memos).toHaveLength(1);
    const memo = join(state, memos[0]!);
    const stored = JSON.parse(readFileSync(memo, 'utf8'));
    stored.value.entries.compiler_check.value = 'planted';
    writeFileSync(memo, JSON.stringify(stored));
    compile();
    expect(lastReason()).toContain('compiler_check = planted in');
    stored.value.entries = [1, 2];
    writeFileSync(memo, JSON.stringify(stored));
    compile();
    expect(lastReason()).toContain('compiler_check = content in');
  });
});
