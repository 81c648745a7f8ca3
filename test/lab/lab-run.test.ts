import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labArgv, labRoot, labVersions, runInLab, runInLabAsync } from '../helpers/lab.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { built, repoRoot, tools, toolsDir } from '../helpers/tools.js';
import { WHOLE_CALLS } from './lab-builds.js';


// scripts/lab-run.sh, through its TS wrapper: the sid toolchain inside, host
// paths shared only where bound, nothing of a run left behind, exit status and
// signals passed through, and the built launcher working inside.

const text = (b: Buffer) => b.toString('utf8');
// One directory for the file, removed when it ends; each test takes a fresh one inside.
const root = makeTempDir('hcl-lab-');
const freshDir = (prefix: string) => mkdtempSync(join(root, prefix));

describe('the lab is the Debian sid toolchain', () => {
  it('records the sid versions, and the tools inside report exactly those', () => {
    const v = labVersions();
    expect(v.hipcc).toMatch(/^7\.0\.\d/);
    expect(v.clang).toMatch(/^21\./);
    // The corpus depends on these: ccache 4.11+ handles --offload-compress, sccache 0.8+ caches HIP.
    expect(v.ccache).toMatch(/^4\.(1[1-9]|[2-9]\d)/);
    expect(v.sccache).toMatch(/^0\.(1[7-9]|[2-9]\d)/);

    const r = runInLab(['sh', '-c', 'clang++-21 --version; ccache --version; sccache --version; dpkg-query -W -f=\'${Version}\\n\' hipcc']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = text(r.stdout);
    expect(out).toContain(`clang version ${v.clang} `);
    expect(out).toContain(`ccache version ${v.ccache}\n`);
    expect(out).toContain(`sccache ${v.sccache}\n`);
    expect(out).toContain(`\n${v.hipcc}\n`);
    // Not the host's: Debian 12 has ccache 4.7 and no clang-21.
    expect(text(spawnSync(tools.ccache, ['--version']).stdout)).not.toContain(`ccache version ${v.ccache}\n`);
    expect(existsSync('/usr/bin/clang++-21')).toBe(false);
  });

  it('compiles real HIP with hipcc and no environment at all', () => {
    const dir = freshDir('hipcc-');
    copyFileSync(join(repoRoot, 'test/fixtures/hip/saxpy.hip'), join(dir, 'saxpy.hip'));
    const r = runInLab(['hipcc', '--offload-arch=gfx90a', '-Wno-unused-value', '-c', 'saxpy.hip', '-o', 'saxpy.o'], { binds: [dir], cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const nm = runInLab(['nm', join(dir, 'saxpy.o')], { binds: [dir] });
    // clang-21 gives every HIP object a __hip_cuid_ (clang-15 does not): the lab's reason to exist.
    expect(text(nm.stdout)).toMatch(/ __hip_cuid_[0-9a-f]+\n/);
  });
});

describe('binds', () => {
  it('shares a bound host directory read-write at its own path, and read-only at another path', () => {
    const dir = freshDir('bind-');
    writeFileSync(join(dir, 'from-host'), 'host\n');
    const r = runInLab(
      ['sh', '-c', 'cat from-host /mnt/ro-view/from-host; echo lab > from-lab; echo x > /mnt/ro-view/denied; echo "ro exit $?"'],
      { binds: [dir, { host: dir, inside: '/mnt/ro-view', readOnly: true }], cwd: dir },
    );
    expect(r.status).toBe(0);
    expect(text(r.stdout)).toBe('host\nhost\nro exit 2\n');
    expect(r.stderr).toContain('Read-only file system');
    expect(readFileSync(join(dir, 'from-lab'), 'utf8')).toBe('lab\n');
    expect(existsSync(join(dir, 'denied'))).toBe(false);
  });

  it('binds a single file', () => {
    const dir = freshDir('file-');
    writeFileSync(join(dir, 'one'), 'one file\n');
    const r = runInLab(['cat', '/tmp/bound-file'], { binds: [{ host: join(dir, 'one'), inside: '/tmp/bound-file' }] });
    expect(r.status).toBe(0);
    expect(text(r.stdout)).toBe('one file\n');
  });

  it('refuses a bind of a missing host path with a one-line error and exit 125', () => {
    const r = runInLab(['true'], { binds: ['/nonexistent/hcl-lab-test'] });
    expect(r.status).toBe(125);
    expect(r.stderr).toBe('lab-run: error: cannot bind /nonexistent/hcl-lab-test: it does not exist\n');
  });
});

describe('nothing leaks', () => {
  it("hides the host's environment: only PATH, HOME, LANG and the passed variables", () => {
    const r = spawnSync('bash', labArgv(['env'], { env: { PASSED: 'yes' } }), {
      env: { PATH: process.env.PATH, HCL_TOOLS: toolsDir, HCL_HOST_SECRET: 'must-not-show' },
    });
    expect(r.status).toBe(0);
    const names = text(r.stdout).split('\n').filter(Boolean).map((l) => l.split('=')[0]).sort();
    expect(names).toEqual(['HOME', 'LANG', 'PASSED', 'PATH']);
    expect(text(r.stdout)).toContain('PASSED=yes\n');
  });

  it('keeps its mounts out of the host, and leaves nothing in the root or the host after a run', async () => {
    const marker = `hcl-lab-leak-${process.pid}`;
    const dir = freshDir('ns-');
    // The command runs until the host has looked (a file it waits for), not for a fixed time: a busy machine may start it late.
    const running = runInLabAsync(['sh', '-c', `touch /tmp/${marker} /root/${marker}; touch ${dir}/started; while [ ! -e ${dir}/release ]; do sleep 0.05; done`], { binds: [dir] });
    let ended = false;
    void running.then(() => (ended = true));
    while (!existsSync(join(dir, 'started')) && !ended) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(join(dir, 'started'))).toBe(true);
    // While the command runs, the host sees none of its mounts (private propagation).
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(labRoot);
    writeFileSync(join(dir, 'release'), '');
    const r = await running;
    expect(r.status).toBe(0);
    expect(existsSync(join('/tmp', marker))).toBe(false);
    expect(existsSync(join(labRoot, 'tmp', marker))).toBe(false);
    expect(existsSync(join(labRoot, 'root', marker))).toBe(false);
    expect(readdirSync(join(labRoot, 'proc'))).toEqual([]);
    // And the next run starts from an empty /tmp.
    expect(text(runInLab(['ls', '-A', '/tmp']).stdout)).toBe('');
  });
});

describe('exit status', () => {
  it("is the command's own: a failure's code, a signal, a missing command", () => {
    expect(runInLab(['sh', '-c', 'exit 7']).status).toBe(7);
    const killed = runInLab(['sh', '-c', 'kill -TERM $$']);
    expect(killed.signal).toBe('SIGTERM');
    expect(runInLab(['no-such-command-hcl']).status).toBe(127);
    const failedCompile = runInLab(['clang++-21', '-x', 'c++', '-c', '-', '-o', '/tmp/x.o'], { input: 'int f() { return nope; }\n' });
    expect(failedCompile.status).toBe(1);
    expect(failedCompile.stderr).toContain("use of undeclared identifier 'nope'");
  });

  it("names lab-run's own usage errors in one line", () => {
    const r = spawnSync('bash', [join(repoRoot, 'scripts/lab-run.sh'), '--frobnicate', 'true'], { env: { PATH: process.env.PATH, HCL_TOOLS: toolsDir } });
    expect(r.status).toBe(125);
    expect(text(r.stderr)).toBe('lab-run: error: unknown option --frobnicate; see the usage at the top of scripts/lab-run.sh\n');
  });
});

describe('the built launcher inside the lab', () => {
  it('runs from a bound dist directory: real HIP through ccache 4.14, a hit the second time, identical objects', () => {
    const dist = join(repoRoot, 'dist/linux-x64');
    const launcher = built.linux;
    const dir = freshDir('launcher-');
    copyFileSync(join(repoRoot, 'test/fixtures/hip/saxpy.hip'), join(dir, 'saxpy.hip'));
    mkdirSync(join(dir, 'ccache'));
    const env = { HIP_CLANG_LAUNCHER_CACHE: 'ccache', CCACHE_DIR: join(dir, 'ccache'), ...WHOLE_CALLS };
    const options = { binds: [{ host: dist, readOnly: true }, dir], cwd: dir, env };
    // The same object built twice (its -cuid comes from its output path, so another path is another key).
    for (const n of [1, 2]) {
      const r = runInLab([launcher, 'clang++-21', '-x', 'hip', '--offload-arch=gfx90a', '-Wno-unused-value', '-c', 'saxpy.hip', '-o', 'saxpy.o'], options);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      renameSync(join(dir, 'saxpy.o'), join(dir, `s${n}.o`));
    }
    const stats = text(runInLab(['ccache', '--print-stats'], options).stdout);
    expect(stats).toMatch(/^cache_miss\t1$/m);
    expect(stats).toMatch(/^direct_cache_hit\t1$/m);
    expect(readFileSync(join(dir, 's1.o')).equals(readFileSync(join(dir, 's2.o')))).toBe(true);
  });
});
