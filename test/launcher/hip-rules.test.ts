import { describe, expect, it } from 'vitest';
import { factsFromVersionText } from '../../src/launcher/cache-facts.js';
import { cuidFor } from '../../src/launcher/hip-rules/cuid.js';
import { applyRules, HIP_RULES } from '../../src/launcher/hip-rules/index.js';
import type { World } from '../../src/launcher/hip-rules/rule.js';
import { parseCall } from '../../src/launcher/parse-call.js';

// The rules as pure functions: a parsed call and a world in, a decision out.
function world(cache: string | undefined, over: Partial<World> = {}): World {
  const [kind, version] = (cache ?? ' ').split(' ') as ['sccache' | 'ccache', string];
  return {
    platform: 'linux',
    cwd: '/w/a/build',
    cache: cache ? { file: `/usr/bin/${kind}`, facts: factsFromVersionText(kind, `${kind} ${version}`), explicit: false } : undefined,
    settings: { cuid: true, baseDirs: [] },
    selfCommand: '/opt/hcl/hip-clang-launcher',
    hipClangLauncherSet: false,
    hipccLauncher: undefined,
    clangMajor: undefined,
    userCacheVars: new Set(),
    configCacheVars: new Map(),
    toolchain: undefined,
    outputs: { object: 'regular', depfile: undefined },
    ...over,
  };
}
const hip = (...extra: string[]) => parseCall('/usr/bin/clang++', ['--offload-arch=gfx90a', '-x', 'hip', '-c', 'k.hip', ...extra]);
const hipOf = (input: string, ...extra: string[]) => parseCall('/usr/bin/clang++', ['--offload-arch=gfx90a', '-x', 'hip', '-c', input, ...extra]);

describe('HIP rules', () => {
  it('lists every rule once, in order', () => {
    expect(HIP_RULES.map((r) => r.name)).toEqual(['hipcc-not-cached', 'hip-capable-cache', 'mishandled-shape', 'cuid', 'base-dir', 'toolchain-identity', 'depend-mode', 'split']);
  });

  it('gives every arch list of one call the same -cuid, so the per-arch parts of two builds meet', () => {
    const a = applyRules(parseCall('/usr/bin/clang++', ['-x', 'hip', '--offload-arch=gfx90a', '-c', 'k.hip', '-o', 'k.o']), world('ccache 4.14.2')).cuid;
    const b = applyRules(parseCall('/usr/bin/clang++', ['-x', 'hip', '--offload-arch', 'gfx90a', '--offload-arch=gfx942,gfx1030', '-c', 'k.hip', '-o', 'k.o']), world('ccache 4.14.2')).cuid;
    expect(a).toBe(b);
    expect(applyRules(parseCall('/usr/bin/clang++', ['-x', 'hip', '--offload-arch=gfx90a', '-c', 'k.hip', '-o', 'k2.o']), world('ccache 4.14.2')).cuid).not.toBe(a);
  });

  it('splits a HIP compile unless turned off (HIP_CLANG_LAUNCHER_SPLIT) and only in the shapes whose split is proven, saying why not', () => {
    const on = (cache = 'ccache 4.14.2', asked = true) => world(cache, { settings: { cuid: true, baseDirs: [], split: true, splitAsked: asked } });
    const decide = (args: string[], w = on()) => applyRules(parseCall('/usr/bin/clang++', ['-x', 'hip', '-c', 'k.hip', '-o', 'k.o', ...args]), w);
    expect(decide(['--offload-arch=gfx90a', '--offload-arch=gfx942']).split).toBe('per-arch');
    expect(decide(['--offload-arch=gfx90a', '-fgpu-rdc', '-MD']).split).toBe('per-arch');
    // --no-offload-arch takes an arch out of the list, as clang does.
    expect(parseCall('/usr/bin/clang++', ['-x', 'hip', '--offload-arch=gfx90a,gfx942', '--no-offload-arch=gfx942', '-c', 'k.hip']).offloadArchs).toEqual(['gfx90a']);
    expect(decide(['--offload-arch=gfx90a', '--no-offload-arch=all']).decisions.find((d) => d.rule === 'split')?.reason).toContain('no --offload-arch');
    expect(decide(['--offload-arch=gfx90a'], world('ccache 4.14.2')).split).toBeUndefined();
    const notSplit: [string[], string][] = [
      [['--offload-arch=gfx90a', '--offload-new-driver'], 'the new offload driver'],
      [['--offload-arch=gfx90a', '-save-temps'], '-save-temps'],
      [['--offload-arch=gfx90a', '--offload-compress'], '--offload-compress'],
      [['--offload-arch=gfx90a', '--offload-device-only'], 'already a device-only compile'],
      [['--offload-arch=gfx90a', '--offload-host-only'], 'already a host-only compile'],
      [['--offload-arch=gfx90a', 'b.hip'], '2 inputs'],
      [['--offload-arch=gfx90a', '@flags.rsp'], 'a response file'],
      [[], 'no --offload-arch'],
      [['--offload-arch=native'], 'only named archs'],
      [['--offload-arch=gfx90a', '--offload-arch=gfx90a'], 'an arch given twice'],
    ];
    for (const [args, why] of notSplit) {
      const outcome = decide(args);
      expect(outcome.split, args.join(' ')).toBeUndefined();
      expect(outcome.decisions.find((d) => d.rule === 'split')?.reason, args.join(' ')).toContain(why);
    }
    // sccache passes the non-RDC host part (-Xclang) through uncached: only RDC is split for it.
    expect(decide(['--offload-arch=gfx90a'], on('sccache 0.17.0')).split).toBeUndefined();
    expect(decide(['--offload-arch=gfx90a', '-fgpu-rdc'], on('sccache 0.17.0')).split).toBe('per-arch');
    // By default (the variable unset) only ccache splits: its prefix_command keeps a warm call one
    // lookup, while sccache would look up every part at every rebuild.
    expect(decide(['--offload-arch=gfx90a'], on('ccache 4.14.2', false)).split).toBe('per-arch');
    const unasked = decide(['--offload-arch=gfx90a', '-fgpu-rdc'], on('sccache 0.17.0', false));
    expect(unasked.split).toBeUndefined();
    expect(unasked.decisions.find((d) => d.rule === 'split')?.reason).toContain('no prefix_command');
    // A shape a cache mishandles goes direct before the split is considered.
    expect(decide(['--offload-arch=gfx90a', '--offload-compress'], on('ccache 4.7.5')).route).toBe('direct');
  });

  it('adds a -cuid from the command line, output included, only for a HIP compile going to a cache', () => {
    const a = applyRules(hip('-o', 'a.o'), world('ccache 4.14.2'));
    const b = applyRules(hip('-o', 'b.o'), world('ccache 4.14.2'));
    expect(a.addArgs).toEqual([`-cuid=${a.cuid}`]);
    expect(a.cuid).toMatch(/^[0-9a-f]{16}$/);
    expect(b.cuid).not.toBe(a.cuid);
    expect(applyRules(hip('-o', 'a.o'), world('ccache 4.14.2')).cuid).toBe(a.cuid);
    expect(applyRules(parseCall('clang++', ['-c', 'x.cpp', '-o', 'x.o']), world('ccache 4.14.2')).addArgs).toEqual([]);
    expect(applyRules(hip('-o', 'a.o', '-cuid=mine'), world('ccache 4.14.2')).addArgs).toEqual([]);
    expect(applyRules(hip('-o', 'a.o'), world(undefined)).addArgs).toEqual([]);
    expect(applyRules(hip('-o', 'a.o'), world('ccache 4.14.2', { settings: { cuid: false, baseDirs: [] } })).addArgs).toEqual([]);
    // Two HIP inputs under one -cuid would share it.
    expect(applyRules(parseCall('clang++', ['-x', 'hip', '-c', 'a.hip', 'b.hip']), world('ccache 4.14.2')).addArgs).toEqual([]);
  });

  it('gives the same id in two checkouts under a base dir, and on Windows with backslashes', () => {
    const args = (root: string) => ['-I' + root + '/inc', '-x', 'hip', '-c', root + '/k.hip', '-o', 'obj/k.o'];
    const base = { baseDirs: ['/w'], cuid: true };
    const idA = cuidFor(args('/w/a'), { platform: 'linux', cwd: '/w/a/build', settings: base });
    const idB = cuidFor(args('/w/b'), { platform: 'linux', cwd: '/w/b/build', settings: base });
    expect(idA).toBe(idB);
    expect(cuidFor(args('/w/b'), { platform: 'linux', cwd: '/w/b/build', settings: { baseDirs: [], cuid: true } })).not.toBe(idA);
    const win = (root: string) => ['-I' + root + '\\inc', '-x', 'hip', '-c', root + '\\k.hip', '-o', 'obj\\k.o'];
    const winBase = { baseDirs: ['C:\\w'], cuid: true };
    expect(cuidFor(win('C:\\w\\a'), { platform: 'win32', cwd: 'C:\\w\\a\\build', settings: winBase })).toBe(
      cuidFor(win('c:\\W\\b'), { platform: 'win32', cwd: 'C:\\w\\b\\build', settings: winBase }),
    );
    expect(cuidFor(win('C:\\w\\a'), { platform: 'win32', cwd: 'C:\\w\\a\\build', settings: winBase })).toBe(idA);
  });

  it('gives two inputs with the same relative command line two ids, by real path or (under a base dir) by bytes', () => {
    const call = hip('-o', 'k.o');
    const at = (realPath: string | undefined, digest?: string, baseDirs: string[] = []) =>
      applyRules(call, world('ccache 4.14.2', { cwd: realPath ? realPath.replace(/\/[^/]*$/, '') : '/w', settings: { cuid: true, baseDirs }, cuidInput: { realPath, digest } })).cuid;
    expect(at('/w/a/k.hip')).not.toBe(at('/w/b/k.hip'));
    expect(at('/w/a/k.hip', 'd1', ['/w'])).not.toBe(at('/w/b/k.hip', 'd2', ['/w']));
    // Another checkout of the same bytes, at the same place relative to the working directory: one id.
    expect(at('/w/a/k.hip', 'd1', ['/w'])).toBe(at('/w/b/k.hip', 'd1', ['/w']));
  });

  it('leaves the arch list out of the id: a one-arch and a many-arch compile share it (per-arch caching relies on this)', () => {
    const one = parseCall('/usr/bin/clang++', ['--offload-arch=gfx90a', '-x', 'hip', '-c', 'k.hip', '-o', 'k.o']);
    const many = parseCall('/usr/bin/clang++', ['--offload-arch=gfx90a', '--offload-arch', 'gfx942', '--cuda-gpu-arch=gfx1030', '-x', 'hip', '-c', 'k.hip', '-o', 'k.o']);
    expect(applyRules(many, world('ccache 4.14.2')).cuid).toBe(applyRules(one, world('ccache 4.14.2')).cuid);
    expect(applyRules(parseCall('/usr/bin/clang++', ['--offload-arch=gfx90a', '-x', 'hip', '-O2', '-c', 'k.hip', '-o', 'k.o']), world('ccache 4.14.2')).cuid).not.toBe(applyRules(one, world('ccache 4.14.2')).cuid);
  });

  it('reads a prefix map as clang does, two paths split at the first =: checkouts with differently named dirs share the id', () => {
    const base = { baseDirs: ['/w'], cuid: true };
    for (const flag of ['-fdebug-prefix-map', '-ffile-prefix-map', '-fmacro-prefix-map']) {
      const id = (checkout: string) => cuidFor(['-x', 'hip', '-g', `${flag}=${checkout}=.`, '-c', '../k.hip', '-o', 'k.o'], { platform: 'linux', cwd: `${checkout}/build`, settings: base });
      expect(id('/w/r1/proj-one')).toBe(id('/w/r2/proj-two'));
      // A map to somewhere else is another command line.
      expect(cuidFor(['-x', 'hip', '-g', `${flag}=/w/r1/proj-one=/src`, '-c', '../k.hip', '-o', 'k.o'], { platform: 'linux', cwd: '/w/r1/proj-one/build', settings: base })).not.toBe(id('/w/r1/proj-one'));
    }
  });

  it('routes shapes a cache version mishandles straight to the compiler, and only those', () => {
    const deviceDep = hip('--offload-device-only', '-MD', '-MF', 'k.d', '-o', 'k.o');
    expect(applyRules(deviceDep, world('sccache 0.17.0')).route).toBe('direct');
    // ccache 4.14 stores nothing for it ("compiler produced no output"), measured in the lab.
    expect(applyRules(deviceDep, world('ccache 4.14.2')).route).toBe('direct');
    expect(applyRules(hip('--offload-device-only', '-o', 'k.o'), world('ccache 4.14.2')).route).toBeUndefined();
    expect(applyRules(hip('--offload-device-only', '-o', 'k.o'), world('sccache 0.17.0')).route).toBeUndefined();
    // clang 15 writes that depfile, and both caches store the compile.
    expect(applyRules(deviceDep, world('sccache 0.10.0', { clangMajor: 15 })).route).toBeUndefined();
    expect(applyRules(deviceDep, world('ccache 4.7.5', { clangMajor: 15 })).route).toBeUndefined();
    expect(applyRules(deviceDep, world('ccache 4.14.2', { clangMajor: 21 })).route).toBe('direct');
    const compress = hip('--offload-compress', '--offload-arch=gfx1100', '-o', 'k.o');
    expect(applyRules(compress, world('sccache 0.17.0')).route).toBe('direct');
    expect(applyRules(compress, world('ccache 4.7.5')).route).toBe('direct');
    expect(applyRules(compress, world('ccache 4.11.0')).route).toBeUndefined();
    const direct = applyRules(compress, world('ccache 4.7.5'));
    expect(direct.addArgs).toEqual([]);
    expect(direct.decisions[0]!.reason).toContain('4.11');
  });

  it('routes outputs that are not regular files, and HIP split DWARF, straight to the compiler, for C and C++ too', () => {
    const cxx = (...extra: string[]) => parseCall('/usr/bin/clang++', ['-c', 'k.cpp', ...extra]);
    for (const cache of ['sccache 0.17.0', 'ccache 4.14.2']) {
      for (const call of [cxx('-o', '/dev/null'), hip('-o', '-'), hip('--offload-device-only', '-o', '/dev/null')]) {
        expect(applyRules(call, world(cache, { outputs: { object: 'not-a-file', depfile: undefined } })).route).toBe('direct');
      }
      expect(applyRules(cxx('-MD', '-MF', '/dev/stdout', '-o', 'k.o'), world(cache, { outputs: { object: 'regular', depfile: 'not-a-file' } })).route).toBe('direct');
      expect(applyRules(cxx('-MD', '-MF', 'k.d', '-o', 'k.o'), world(cache, { outputs: { object: 'regular', depfile: 'regular' } })).route).toBeUndefined();
      expect(applyRules(hip('-g', '-gsplit-dwarf', '-o', 'k.o'), world(cache)).route).toBe('direct');
      expect(applyRules(hip('-g', '-gsplit-dwarf', '-gno-split-dwarf', '-o', 'k.o'), world(cache)).route).toBeUndefined();
      expect(applyRules(cxx('-g', '-gsplit-dwarf', '-o', 'k.o'), world(cache)).route).toBeUndefined();
    }
  });

  it('sends a call whose toolchain digest is unknown straight to the compiler', () => {
    const unknown = { digest: undefined, unreadable: 'an entry of the device-library directory /x', compilerFiles: [], deviceLibDirs: ['/x'] };
    const outcome = applyRules(hip('-o', 'k.o'), world('ccache 4.14.2', { toolchain: unknown }));
    expect(outcome.route).toBe('direct');
    expect(outcome.addArgs).toEqual([]);
    expect(outcome.decisions.at(-1)!.reason).toMatch(/digest is unknown: an entry of the device-library directory \/x cannot be read/);
  });

  it('warns where an explicitly chosen cache cannot cache HIP, and still adds the id', () => {
    const out = applyRules(hip('-o', 'k.o'), world('sccache 0.4.0'));
    expect(out.warnings.join()).toContain('cannot cache HIP');
    expect(out.route).toBeUndefined();
  });

  it('never hands hipcc to a cache: it runs with HIP_CLANG_LAUNCHER pointing back', () => {
    const call = parseCall('/usr/bin/hipcc', ['--offload-arch=gfx90a', '-c', 'k.hip', '-o', 'k.o']);
    const out = applyRules(call, world('ccache 4.14.2'));
    expect(out.route).toBe('hipcc');
    expect(out.env).toEqual({ HIP_CLANG_LAUNCHER: '/opt/hcl/hip-clang-launcher' });
    expect(applyRules(call, world('ccache 4.14.2', { hipClangLauncherSet: true })).env).toEqual({});
    expect(applyRules(call, world('ccache 4.14.2', { hipccLauncher: 'honours' })).env).toEqual({ HIP_CLANG_LAUNCHER: '/opt/hcl/hip-clang-launcher' });
  });

  it('runs a hipcc that ignores or mangles HIP_CLANG_LAUNCHER (or cannot be probed) directly, saying why, never through a cache', () => {
    const call = parseCall('/usr/bin/hipcc', ['--offload-arch=gfx90a', '-c', 'k.hip', '-o', 'k.o']);
    for (const support of ['ignores', 'mangles', 'unknown'] as const) {
      const out = applyRules(call, world('ccache 4.14.2', { hipccLauncher: support }));
      expect(out.route).toBe('direct');
      expect(out.env).toEqual({});
      expect(out.addArgs).toEqual([]);
      expect(out.decisions.map((d) => d.rule)).toEqual(['hipcc-not-cached']);
    }
    expect(applyRules(call, world('ccache 4.14.2', { hipccLauncher: 'ignores' })).decisions[0]!.reason).toMatch(/ignores HIP_CLANG_LAUNCHER: .*install the shim/);
    expect(applyRules(call, world('ccache 4.14.2', { hipccLauncher: 'mangles' })).decisions[0]!.reason).toContain('mangled');
  });

  it('maps the base dir to ccache\'s own setting, letting the user\'s value win', () => {
    const base = { settings: { cuid: true, baseDirs: ['/w', '/src'] } };
    const cpp = parseCall('clang++', ['-c', '/w/a/x.cpp', '-o', 'x.o']);
    expect(applyRules(cpp, world('ccache 4.7.5', base)).env).toEqual({ CCACHE_BASEDIR: '/w' });
    expect(applyRules(cpp, world('ccache 4.7.5', base)).decisions[0]!.reason).toContain('/src not mapped');
    const mine = applyRules(cpp, world('ccache 4.7.5', { ...base, userCacheVars: new Set(['CCACHE_BASEDIR']) }));
    expect(mine.env).toEqual({});
    expect(mine.decisions[0]!.reason).toContain("user's value wins");
    expect(applyRules(cpp, world('ccache 4.7.5')).env).toEqual({});
    expect(applyRules(cpp, world(undefined, base)).env).toEqual({});
  });

  // sccache: the paths ccache's base_dir rewrites (inputs, -I and the other
  // preprocessor path options), relative to the working directory; outputs,
  // other options and paths outside the base dirs as written; no SCCACHE_BASEDIRS.
  it('hands sccache (any version) the inputs and preprocessor paths under a base dir relative to the working directory', () => {
    const base = { settings: { cuid: true, baseDirs: ['/w', '/src'] } };
    const args = ['-I/w/a/inc', '-isystem', '/w/a/third', '-include', '/w/a/pre.h', '-I/usr/include/x', '-iquote/src/q', '-DP=/w/a', '-MD', '-MT', 'k.o', '-MF', '/w/a/build/k.d', '-o', '/w/a/build/k.o'];
    for (const version of ['0.17.0', '0.10.0']) {
      const out = applyRules(hipOf('/w/a/src/k.hip', ...args), world(`sccache ${version}`, base));
      expect(out.args).toEqual(['--offload-arch=gfx90a', '-x', 'hip', '-c', '../src/k.hip', '-I../inc', '-isystem', '../third', '-include', '../pre.h', '-I/usr/include/x', '-iquote../../../src/q', '-DP=/w/a', '-MD', '-MT', 'k.o', '-MF', '/w/a/build/k.d', '-o', '/w/a/build/k.o']);
      expect(out.env).toEqual({});
      expect(out.decisions.find((d) => d.rule === 'base-dir')!.reason).toBe("5 paths under /w, /src handed to sccache relative to the working directory, as ccache's base_dir does");
    }
    // The cuid is computed from the call as written, so it is the same either way.
    expect(applyRules(hipOf('/w/a/src/k.hip', ...args), world('sccache 0.17.0', base)).cuid).toBe(applyRules(hipOf('/w/a/src/k.hip', ...args), world('ccache 4.14.2', base)).cuid);
    // Windows: either slash, any case, the result with slashes.
    const win = applyRules(parseCall('clang++', ['-c', 'C:\\W\\a\\src\\x.cpp', '-IC:/w/a/inc']), world('sccache 0.17.0', { platform: 'win32', cwd: 'C:\\w\\a\\build', settings: { cuid: true, baseDirs: ['c:\\w'] } }));
    expect(win.args).toEqual(['-c', '../src/x.cpp', '-I../inc']);
    // `.`/`..` steps resolve through symlinks in the kernel, lexically in a relative path: kept.
    expect(applyRules(parseCall('clang++', ['-c', '/w/a/link/../x.cpp']), world('sccache 0.17.0', base)).args).toBeUndefined();
    expect(applyRules(parseCall('clang++', ['-c', 'x.cpp']), world('sccache 0.17.0', base)).decisions[0]!.reason).toBe('no path under the base dir to make relative');
  });

  it('keeps the paths for sccache where they reach the object or the depfile another way, and says why', () => {
    const base = { settings: { cuid: true, baseDirs: ['/w'] } };
    const kept = (call: ReturnType<typeof parseCall>, over: Partial<World> = {}) => {
      const out = applyRules(call, world('sccache 0.17.0', { ...base, ...over }));
      expect(out.args).toBeUndefined();
      return out.decisions.find((d) => d.rule === 'base-dir')!.reason;
    };
    for (const flag of ['-g', '-gline-tables-only', '-ggdb3', '--coverage', '-fprofile-instr-generate', '-fcoverage-mapping', '-fsanitize=address', '-frecord-command-line', '-ffile-prefix-map=/w/a=.', '-fmacro-prefix-map=/w/a=.', '-fdebug-prefix-map=/w/a=.', '@/w/a/flags.rsp']) {
      expect(kept(hipOf('/w/a/k.hip', flag))).toBe(`paths kept as written, so another checkout misses this call: ${flag} records paths as written`);
    }
    expect(applyRules(hipOf('/w/a/k.hip', '-g0'), world('sccache 0.17.0', base)).args).toBeDefined();
    // Relocatable device code: the device bitcode's source_filename is the input path as written.
    expect(kept(hipOf('/w/a/k.hip', '-fgpu-rdc'))).toContain('-fgpu-rdc: the device bitcode records the input path as written');
    // Without a -cuid clang hashes the input path as written into the object's id.
    expect(kept(hipOf('/w/a/k.hip'), { settings: { cuid: false, baseDirs: ['/w'] } })).toContain('no -cuid');
    expect(kept(hipOf('/w/a/k.hip', '-fuse-cuid=hash'))).toContain('no -cuid');
    expect(applyRules(hipOf('/w/a/k.hip', '-cuid=mine'), world('sccache 0.17.0', { ...base, settings: { cuid: false, baseDirs: ['/w'] } })).args).toBeDefined();
    // A depfile target under the base dir: sccache keys neither -MT nor -o, and would hand another checkout this one's.
    expect(kept(hipOf('/w/a/k.hip', '-MD', '-MT', '/w/a/build/k.o'))).toContain('the depfile target /w/a/build/k.o is under the base dir');
    expect(kept(hipOf('/w/a/k.hip', '-MMD', '-o', '/w/a/build/k.o'))).toContain('the depfile target /w/a/build/k.o');
    expect(applyRules(hipOf('/w/a/k.hip', '-MD', '-MT', 'k.o', '-o', '/w/a/build/k.o'), world('sccache 0.17.0', base)).args).toBeDefined();
  });

  it('keys the toolchain by its digest through each cache\'s own mechanism, unless the user set it', () => {
    const toolchain = { digest: 'c0ffee-bc', compilerFiles: ['/r/bin/clang'], deviceLibDirs: ['/r/amdgcn/bitcode'] };
    expect(applyRules(hip('-o', 'k.o'), world('ccache 4.7.5', { toolchain })).env).toEqual({ CCACHE_COMPILERCHECK: 'string:c0ffee-bc' });
    expect(applyRules(hip('-o', 'k.o'), world('sccache 0.10.0', { toolchain })).env).toEqual({ SCCACHE_C_CUSTOM_CACHE_BUSTER: 'c0ffee-bc' });
    expect(applyRules(hip('-o', 'k.o'), world('ccache 4.7.5', { toolchain, userCacheVars: new Set(['CCACHE_COMPILERCHECK']) })).env).toEqual({});
    expect(applyRules(hip('-o', 'k.o'), world('sccache 0.10.0', { toolchain, userCacheVars: new Set(['SCCACHE_C_CUSTOM_CACHE_BUSTER']) })).env).toEqual({});
    expect(applyRules(hip('-o', 'k.o'), world('ccache 4.7.5')).env).toEqual({});
    // A route change drops what was meant for the cache.
    expect(applyRules(hip('--offload-compress', '-o', 'k.o'), world('ccache 4.7.5', { toolchain })).env).toEqual({});
  });

  it('puts ccache in depend mode for HIP compiles that write a depfile, unless the user chose', () => {
    expect(applyRules(hip('-MD', '-MF', 'k.d', '-o', 'k.o'), world('ccache 4.7.5')).env).toEqual({ CCACHE_DEPEND: '1' });
    expect(applyRules(hip('-MMD', '-o', 'k.o'), world('ccache 4.7.5')).env).toEqual({ CCACHE_DEPEND: '1' });
    expect(applyRules(hip('-o', 'k.o'), world('ccache 4.7.5')).env).toEqual({});
    expect(applyRules(hip('-MD', '--offload-device-only', '-o', 'k.o'), world('ccache 4.7.5')).env).toEqual({});
    expect(applyRules(hip('-MD', '-o', 'k.o'), world('sccache 0.10.0')).env).toEqual({});
    expect(applyRules(parseCall('clang++', ['-MD', '-c', 'x.cpp', '-o', 'x.o']), world('ccache 4.7.5')).env).toEqual({});
    for (const name of ['CCACHE_DEPEND', 'CCACHE_NODEPEND']) {
      const out = applyRules(hip('-MD', '-o', 'k.o'), world('ccache 4.7.5', { userCacheVars: new Set([name]) }));
      expect(out.env).toEqual({});
      expect(out.decisions.at(-1)!.reason).toContain(`${name} is set`);
    }
  });

  it('leaves a setting the cache\'s config file makes to the config, and says which file', () => {
    const conf = '/w/.ccache/ccache.conf';
    const entry = (key: string, value: string) => ({ key, value, file: conf });
    const toolchain = { digest: 'abc-def', compilerFiles: [], deviceLibDirs: [] };
    const check = applyRules(hip('-MD', '-o', 'k.o'), world('ccache 4.7.5', {
      toolchain,
      settings: { cuid: true, baseDirs: ['/w'] },
      configCacheVars: new Map([
        ['CCACHE_COMPILERCHECK', entry('compiler_check', 'command:/w/check.sh %compiler%')],
        ['CCACHE_BASEDIR', entry('base_dir', '/w')],
        ['CCACHE_DEPEND', entry('depend_mode', 'false')],
        ['CCACHE_NODEPEND', entry('depend_mode', 'false')],
      ]),
    }));
    expect(check.env).toEqual({});
    const reasons = Object.fromEntries(check.decisions.map((d) => [d.rule, d.reason]));
    expect(reasons['toolchain-identity']).toBe(`compiler_check = command:/w/check.sh %compiler% in ${conf}: the cache config's value wins, the launcher adds no CCACHE_COMPILERCHECK`);
    expect(reasons['base-dir']).toContain(`base_dir = /w in ${conf}`);
    expect(reasons['depend-mode']).toContain(`depend_mode = false in ${conf}`);
    // The environment is named first: it is what the cache itself ranks first.
    const both = applyRules(hip('-o', 'k.o'), world('ccache 4.7.5', { toolchain, userCacheVars: new Set(['CCACHE_COMPILERCHECK']), configCacheVars: new Map([['CCACHE_COMPILERCHECK', entry('compiler_check', 'content')]]) }));
    expect(both.decisions.at(-1)!.reason).toBe('CCACHE_COMPILERCHECK is set: the user\'s value wins');
    const sccache = applyRules(hip('-o', 'k.o'), world('sccache 0.17.0', { settings: { cuid: true, baseDirs: ['/w'] }, configCacheVars: new Map([['SCCACHE_BASEDIRS', { key: 'basedirs', value: '["/w"]', file: '/h/.config/sccache/config' }]]) }));
    expect(sccache.env).toEqual({});
  });
});
