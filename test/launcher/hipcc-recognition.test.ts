import { describe, expect, it } from 'vitest';
import type { Host } from '../../src/host.js';
import { hipccFile } from '../../src/launcher/plan-launch.js';

// hipcc is known by its name, or by the real path of a name that is neither
// clang nor hipcc; clang calls never pay for a realpath.
function linkedHost(links: Record<string, string>): Host & { realpathCalls: string[] } {
  const realpathCalls: string[] = [];
  return {
    platform: 'linux',
    env: {},
    cwd: '/build',
    execPath: '/opt/hcl/hip-clang-launcher',
    isExecutableFile: () => true,
    realpath(f) {
      realpathCalls.push(f);
      return links[f] ?? f;
    },
    realpathCalls,
  };
}

describe('hipcc recognition', () => {
  const links = {
    '/usr/local/bin/c++': '/opt/rocm-7.0.2/bin/hipcc',
    '/opt/rocm/bin/hipcc-7': '/opt/rocm-7.0.2/bin/hipcc.bin',
    '/usr/bin/g++': '/usr/bin/g++-12',
    '/opt/rocm/bin/hipcc': '/opt/rocm-7.0.2/bin/hipcc',
  };

  it('by name: hipcc, hipcc.bin, hipcc.exe, hipcc.pl, keyed on the real path', () => {
    const host = linkedHost(links);
    expect(hipccFile('/opt/rocm/bin/hipcc', '/opt/rocm/bin/hipcc', host)).toBe('/opt/rocm-7.0.2/bin/hipcc');
    for (const name of ['hipcc.bin', 'hipcc.pl', 'HIPCC.EXE']) expect(hipccFile(name, `/x/${name}`, host)).toBe(`/x/${name}`);
  });

  it('by the real path of a link under another name (c++, hipcc-7)', () => {
    const host = linkedHost(links);
    expect(hipccFile('c++', '/usr/local/bin/c++', host)).toBe('/opt/rocm-7.0.2/bin/hipcc');
    expect(hipccFile('/opt/rocm/bin/hipcc-7', '/opt/rocm/bin/hipcc-7', host)).toBe('/opt/rocm-7.0.2/bin/hipcc.bin');
    expect(hipccFile('g++', '/usr/bin/g++', host)).toBeUndefined();
  });

  it('never resolves a clang name', () => {
    const host = linkedHost({ '/usr/bin/clang++': '/opt/rocm-7.0.2/bin/hipcc' });
    for (const name of ['clang++', 'clang', 'clang++-21', 'amdclang++']) expect(hipccFile(name, `/usr/bin/${name}`, host)).toBeUndefined();
    expect(host.realpathCalls).toEqual([]);
  });
});
