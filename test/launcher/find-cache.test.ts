import { describe, expect, it } from 'vitest';
import type { Host } from '../../src/host.js';
import { chooseCache } from '../../src/launcher/find-cache.js';
import { planLaunch } from '../../src/launcher/plan-launch.js';

// The cache search with the machine stubbed out (src/host.ts), for what the
// built executable cannot show on this machine: no cache anywhere, and Windows.
function stubHost(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, files: string[], self = '/opt/hcl/hip-clang-launcher'): Host {
  const norm = (f: string) => (platform === 'win32' ? f.toLowerCase() : f);
  const set = new Set(files.map(norm));
  return {
    platform,
    env,
    cwd: platform === 'win32' ? 'C:\\build' : '/build',
    execPath: self,
    isExecutableFile: (f) => set.has(norm(f)),
    realpath: (f) => (set.has(norm(f)) || norm(f) === norm(self) ? f : undefined),
  };
}

describe('chooseCache with a stubbed machine', () => {
  it('auto with no cache anywhere compiles directly', () => {
    const host = stubHost('linux', { PATH: '/usr/bin:/bin', HOME: '/home/u' }, ['/usr/bin/clang++']);
    const choice = chooseCache(host);
    expect(choice.file).toBeUndefined();
    expect(choice.reason).toContain('neither sccache nor ccache');
    const plan = planLaunch({ compiler: '/usr/bin/clang++', args: ['-c', 'a.hip'] }, host);
    expect(plan.route).toBe('no-cache');
    expect(plan.steps).toEqual([{ file: '/usr/bin/clang++', argv: ['/usr/bin/clang++', '-c', 'a.hip'] }]);
  });

  it('finds a cache in the usual install places when PATH lacks it', () => {
    const host = stubHost('linux', { PATH: '/usr/bin', HOME: '/home/u' }, ['/home/u/.cargo/bin/sccache']);
    expect(chooseCache(host).file).toBe('/home/u/.cargo/bin/sccache');
  });

  it('on Windows looks for sccache.exe in absolute Path entries and the usual places, never the build directory', () => {
    const env = { Path: '.;tools;C:\\Windows\\system32;"C:\\Program Files\\Git\\cmd"', USERPROFILE: 'C:\\Users\\u', ProgramFiles: 'C:\\Program Files' };
    const planted = ['C:\\build\\sccache.exe', 'C:\\build\\tools\\sccache.exe', '.\\sccache.exe', 'tools\\sccache.exe'];
    const none = stubHost('win32', env, planted);
    expect(chooseCache(none).file).toBeUndefined();
    const scoop = stubHost('win32', env, [...planted, 'C:\\Users\\u\\scoop\\shims\\ccache.exe']);
    expect(chooseCache(scoop)).toMatchObject({ file: 'C:\\Users\\u\\scoop\\shims\\ccache.exe', kind: 'ccache' });
    const quoted = stubHost('win32', env, ['C:\\Program Files\\Git\\cmd\\sccache.exe']);
    expect(chooseCache(quoted).file).toBe('C:\\Program Files\\Git\\cmd\\sccache.exe');
  });

  it('skips a candidate that resolves to the launcher itself', () => {
    const host = stubHost('linux', { PATH: '/opt/hcl:/usr/bin' }, ['/opt/hcl/sccache', '/usr/bin/ccache']);
    const withLink: Host = { ...host, realpath: (f) => (f === '/opt/hcl/sccache' ? '/opt/hcl/hip-clang-launcher' : host.realpath(f)) };
    const choice = chooseCache(withLink);
    expect(choice.file).toBe('/usr/bin/ccache');
    expect(choice.considered).toContainEqual({ file: '/opt/hcl/sccache', skipped: 'it is hip-clang-launcher itself' });
  });
});
