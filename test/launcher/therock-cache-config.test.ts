import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hipDeviceFlags } from '../helpers/hip-projects.js';
import { startHttpCache, type HttpCache } from '../helpers/http-cache.js';
import { cleanEnv, run, runLauncher } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, repoRoot, tools } from '../helpers/tools.js';

// TheRock's own ccache setup, as its build_tools write it: a ccache.conf named
// by CCACHE_CONFIGPATH with a compiler_check script (hashing clang and the
// libraries ldd lists), a namespace, sloppiness, and a bazel-remote HTTP
// store with remote_only. Here the store is Debian's nginx with WebDAV on
// 127.0.0.1 (real GET/PUT), and each "machine" is its own checkout, config
// and CCACHE_DIR. The launcher must leave every value the config sets to
// the config (ccache ranks the environment first, so anything it added would
// win), say so in its log, and still give B all hits from A.

interface Machine {
  checkout: string;
  conf: string;
  env: NodeJS.ProcessEnv;
  log: string;
  checked: string;
}

const FLAGS = ['-x', 'hip', '--offload-arch=gfx90a', ...hipDeviceFlags, '-MD', '-c'];

function writeCheckScript(file: string, marker: string): void {
  // TheRock's check, in sh: run by an interpreter with its own cache directory
  // first and the compiler last; it hashes the compiler and every library ldd
  // lists, by content (and nothing of the device libraries).
  writeFileSync(file, `mkdir -p "$1"\necho "$2" >> '${marker}'\nsha256sum "$2" $(ldd "$2" | awk '/=> \\// {print $3}')\n`);
  chmodSync(file, 0o644);
}

function theRockConf(m: { dir: string; script: string }, remote: string): string {
  return [
    `cache_dir = ${join(m.dir, 'ccache')}`,
    `compiler_check = /bin/sh ${m.script} ${join(m.dir, 'compiler_check_cache')} %compiler%`,
    'namespace = therock-test',
    'sloppiness = include_file_ctime,pch_defines,time_macros',
    `remote_storage = ${remote}`,
    'remote_only = true',
    '',
  ].join('\n');
}

function machine(root: string, name: string, remote: string): Machine {
  const dir = join(root, name);
  const checkout = join(dir, 'src');
  mkdirSync(checkout, { recursive: true });
  copyFileSync(join(repoRoot, 'test/fixtures/hip/saxpy.hip'), join(checkout, 'saxpy.hip'));
  writeFileSync(join(checkout, 'scale.hip'), '#include <hip/hip_runtime.h>\n__global__ void scale(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] *= 3.0f; }\n');
  const checked = join(dir, 'compiler-check.log');
  const script = join(dir, 'compiler-check.sh');
  writeCheckScript(script, checked);
  const conf = join(dir, '.ccache', 'ccache.conf');
  mkdirSync(join(dir, '.ccache'), { recursive: true });
  writeFileSync(conf, theRockConf({ dir, script }, remote));
  const log = join(dir, 'calls.jsonl');
  const env = cleanEnv({
    HIP_CLANG_LAUNCHER_CACHE: 'ccache',
    // These tests count ccache's own statistics (misses, remote hits, remote
    // errors) as one lookup per compile, to show how the config's settings act;
    // the split (on by default, its own tests) adds a lookup per part.
    HIP_CLANG_LAUNCHER_SPLIT: 'off',
    HIP_CLANG_LAUNCHER_LOG: log,
    HIP_CLANG_LAUNCHER_STATE_DIR: join(dir, 'state'),
    HIP_CLANG_LAUNCHER_BASEDIR: dir,
    CCACHE_CONFIGPATH: conf,
  });
  return { checkout, conf, env, log, checked };
}

function compile(m: Machine, name: string, env: NodeJS.ProcessEnv = m.env) {
  return runLauncher([tools.clangxx, ...FLAGS, `${name}.hip`, '-o', `${name}.o`], { cwd: m.checkout, env, timeout: 300_000 });
}

function records(m: Machine): { route: string; rules: { rule: string; reason: string }[] }[] {
  return readFileSync(m.log, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
}

function stats(m: Machine): Record<string, number> {
  const out = execFileSync(tools.ccache, ['--print-stats'], { env: m.env, encoding: 'utf8' });
  return Object.fromEntries(out.trimEnd().split('\n').map((l) => l.split('\t')).map(([k, v]) => [k!, Number(v)]));
}

const reasonOf = (record: { rules: { rule: string; reason: string }[] }, rule: string) => record.rules.find((r) => r.rule === rule)?.reason;

describe('an existing ccache config (TheRock\'s shape) with HTTP remote storage', () => {
  let root: string;
  let server: HttpCache;
  let remote: string;
  beforeAll(async () => {
    root = makeTempDir('hcl-therock-');
    server = await startHttpCache(root);
    remote = `${server.url}/therock|layout=bazel`;
  });

  it('keeps the config\'s compiler_check and says so; machine B is all remote hits from machine A, byte for byte', () => {
    const a = machine(root, 'a', remote);
    for (const name of ['saxpy', 'scale']) expect(compile(a, name).status).toBe(0);
    // ccache ran the config's script: no CCACHE_COMPILERCHECK from the launcher replaced it.
    expect(readFileSync(a.checked, 'utf8')).toContain(tools.clangxx);
    const [first] = records(a);
    expect(first!.route).toBe('cache');
    expect(reasonOf(first!, 'toolchain-identity')).toBe(`compiler_check = /bin/sh ${join(root, 'a', 'compiler-check.sh')} ${join(root, 'a', 'compiler_check_cache')} %compiler% in ${a.conf}: the cache config's value wins, the launcher adds no CCACHE_COMPILERCHECK`);
    // What the config does not set, the launcher still adds (base dir, depend mode).
    expect(reasonOf(first!, 'base-dir')).toBe(`CCACHE_BASEDIR=${join(root, 'a')}`);
    expect(reasonOf(first!, 'depend-mode')).toBe('CCACHE_DEPEND=1 (the compile writes a depfile)');
    expect(stats(a)).toMatchObject({ cache_miss: 2, remote_storage_hit: 0, local_storage_write: 0 });
    expect(server.storedCount()).toBeGreaterThanOrEqual(2);

    const b = machine(root, 'b', remote);
    for (const name of ['saxpy', 'scale']) expect(compile(b, name).status).toBe(0);
    expect(stats(b)).toMatchObject({ remote_storage_hit: 2, cache_miss: 0, local_storage_write: 0 });
    for (const name of ['saxpy', 'scale']) {
      expect(readFileSync(join(b.checkout, `${name}.o`)).equals(readFileSync(join(a.checkout, `${name}.o`))), name).toBe(true);
    }
  });

  it('without a compiler_check in the config, the launcher keys the toolchain itself, and an edit is seen at once', () => {
    const c = machine(root, 'c', remote);
    writeFileSync(c.conf, readFileSync(c.conf, 'utf8').replace(/^compiler_check = .*\n/m, ''));
    expect(compile(c, 'scale').status).toBe(0);
    expect(existsSync(c.checked)).toBe(false);
    expect(reasonOf(records(c)[0]!, 'toolchain-identity')).toMatch(/^CCACHE_COMPILERCHECK=string:[0-9a-f]+-[0-9a-f]+ \(toolchain digest\)$/);
    // The memo is keyed by the config file's stat: adding the setting back is seen by the next call.
    writeFileSync(c.conf, `${readFileSync(c.conf, 'utf8')}compiler_check = /bin/sh ${join(root, 'c', 'compiler-check.sh')} ${join(root, 'c', 'cc-cache')} %compiler%\nbase_dir = ${join(root, 'c')}\n`);
    expect(compile(c, 'scale').status).toBe(0);
    const second = records(c)[1]!;
    expect(reasonOf(second, 'toolchain-identity')).toContain(`in ${c.conf}: the cache config's value wins`);
    expect(reasonOf(second, 'base-dir')).toBe(`base_dir = ${join(root, 'c')} in ${c.conf}: the cache config's value wins, the launcher adds no CCACHE_BASEDIR`);
    expect(readFileSync(c.checked, 'utf8')).toContain(tools.clangxx);
  });

  it('doctor explains the risk of a compiler_check that ignores the device libraries, and the fix', () => {
    const d = machine(root, 'd', remote);
    const report = run(built.linux, ['doctor', '--json'], { env: d.env, timeout: 120_000 });
    const findings = JSON.parse(report.stdout.toString('utf8')).findings as { check: string; status: string; found: string; fix: string | null }[];
    const config = findings.filter((f) => f.check === 'cache-config');
    expect(config).toHaveLength(1);
    expect(config[0]!.status).toBe('warn');
    expect(config[0]!.found).toContain(`compiler_check = /bin/sh ${join(root, 'd', 'compiler-check.sh')} ${join(root, 'd', 'compiler_check_cache')} %compiler% (${d.conf})`);
    expect(config[0]!.found).toContain('device libraries');
    expect(config[0]!.fix).toContain(`remove compiler_check from ${d.conf}`);
    // depend_mode on, and a base_dir other than HIP_CLANG_LAUNCHER_BASEDIR: one finding each, with its fix.
    writeFileSync(d.conf, `${readFileSync(d.conf, 'utf8')}depend_mode = true\nbase_dir = ${join(root, 'elsewhere')}\n`);
    const more = (JSON.parse(run(built.linux, ['doctor', '--json'], { env: d.env, timeout: 120_000 }).stdout.toString('utf8')).findings as typeof findings).filter((f) => f.check === 'cache-config');
    expect(more.map((f) => f.status)).toEqual(['warn', 'warn', 'warn']);
    expect(more[1]!.found).toBe(`base_dir = ${join(root, 'elsewhere')} (${d.conf}) is used instead of HIP_CLANG_LAUNCHER_BASEDIR=${join(root, 'd')}: another checkout outside ${join(root, 'elsewhere')} misses`);
    expect(more[1]!.fix).toBe(`make them agree: set base_dir in ${d.conf} to ${join(root, 'd')}, or unset HIP_CLANG_LAUNCHER_BASEDIR`);
    expect(more[2]!.found).toContain('a device-only HIP compile with a depfile');
    expect(more[2]!.fix).toContain(`remove depend_mode from ${d.conf}`);
    writeFileSync(d.conf, readFileSync(d.conf, 'utf8').replace(/^(depend_mode|base_dir) = .*\n/gm, ''));
    // The same machine without the setting: nothing to warn about, and the settings it has are named.
    writeFileSync(d.conf, readFileSync(d.conf, 'utf8').replace(/^compiler_check = .*\n/m, ''));
    const again = JSON.parse(run(built.linux, ['doctor', '--json'], { env: d.env, timeout: 120_000 }).stdout.toString('utf8')).findings as typeof findings;
    const ok = again.filter((f) => f.check === 'cache-config');
    expect(ok.map((f) => f.status)).toEqual(['ok']);
    expect(ok[0]!.found).toContain('namespace, sloppiness, remote_storage, remote_only');
  });

  it('the HTTP server stopped or answering late fails no compile', () => {
    const e = machine(root, 'e', remote);
    const reference = (() => {
      expect(compile(e, 'saxpy').status).toBe(0);
      return readFileSync(join(e.checkout, 'saxpy.o'));
    })();
    // Late: the server accepts connections and answers nothing while the compile runs.
    const late = machine(root, 'late', `${server.url}/therock|layout=bazel|operation-timeout=1000`);
    const resume = server.pause();
    try {
      expect(compile(late, 'saxpy').status).toBe(0);
    } finally {
      resume();
    }
    expect(readFileSync(join(late.checkout, 'saxpy.o')).equals(reference)).toBe(true);
    // Stopped: nothing listens on the port any more.
    server.stop();
    const down = machine(root, 'down', remote);
    rmSync(join(down.checkout, 'saxpy.o'), { force: true });
    expect(compile(down, 'saxpy').status).toBe(0);
    expect(readFileSync(join(down.checkout, 'saxpy.o')).equals(reference)).toBe(true);
    expect(stats(down)).toMatchObject({ remote_storage_error: 1 });
  });
});
