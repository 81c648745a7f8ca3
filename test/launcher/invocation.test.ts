import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import { decideInvocation, programNameOf, SUBCOMMANDS } from '../../src/invocation.js';

// The written rule (src/invocation.ts, README "How the first argument is read").
describe('decideInvocation', () => {
  const launcher = '/opt/bin/hip-clang-launcher';

  it('takes a first argument with a path separator as the compiler, even when it is named like a subcommand', () => {
    expect(decideInvocation(launcher, ['/opt/rocm/llvm/bin/clang++', '-c', 'a.hip'], 'linux')).toEqual({
      mode: 'launcher',
      compiler: '/opt/rocm/llvm/bin/clang++',
      args: ['-c', 'a.hip'],
    });
    expect(decideInvocation(launcher, ['./status', '-c'], 'linux')).toMatchObject({ mode: 'launcher', compiler: './status' });
    expect(decideInvocation('C:\\x\\hip-clang-launcher.exe', ['.\\install', '-c'], 'win32')).toMatchObject({ mode: 'launcher', compiler: '.\\install' });
  });

  it('takes a bare name as the compiler unless it is a subcommand', () => {
    expect(decideInvocation(launcher, ['clang++', '-c', 'x.cpp'], 'linux')).toMatchObject({ mode: 'launcher', compiler: 'clang++' });
    for (const sub of SUBCOMMANDS) expect(decideInvocation(launcher, [sub], 'linux')).toMatchObject({ mode: 'cli' });
  });

  it('sends no argument, help and version to the admin CLI', () => {
    for (const args of [[], ['--help'], ['-h'], ['--version'], ['-V']]) {
      expect(decideInvocation(launcher, args, 'linux')).toEqual({ mode: 'cli', args });
    }
  });

  it('runs a compiler named like a subcommand after --', () => {
    expect(decideInvocation(launcher, ['--', 'status', '-c', 'a.c'], 'linux')).toEqual({ mode: 'launcher', compiler: 'status', args: ['-c', 'a.c'] });
    expect(decideInvocation(launcher, ['--'], 'linux')).toMatchObject({ mode: 'usage-error' });
  });

  it('rejects an unknown option and an empty compiler', () => {
    expect(decideInvocation(launcher, ['-x', 'hip'], 'linux')).toMatchObject({ mode: 'usage-error' });
    expect(decideInvocation(launcher, [''], 'linux')).toMatchObject({ mode: 'usage-error' });
  });

  it("takes clang's internal modes (a driver re-running itself after its name moved) for the shim of clang", () => {
    for (const mode of ['-cc1', '-cc1as', '-cc1gen-reproducer']) {
      expect(decideInvocation(launcher, [mode, '-triple', 'x86_64'], 'linux')).toEqual({ mode: 'shim', name: 'clang', invokedPath: launcher, args: [mode, '-triple', 'x86_64'], clangSelfExec: true });
    }
    expect(decideInvocation(launcher, ['-cc1x'], 'linux')).toMatchObject({ mode: 'usage-error' });
  });

  it("takes the bundle run by Node (npm's Windows command shim, node build/main.cjs) for the launcher", () => {
    expect(decideInvocation('C:\\npm\\node_modules\\hip-clang-launcher\\build\\main.cjs', ['--version'], 'win32')).toEqual({ mode: 'cli', args: ['--version'] });
    expect(decideInvocation('/repo/build/main.cjs', ['clang++', '-c', 'a.c'], 'linux')).toMatchObject({ mode: 'launcher', compiler: 'clang++' });
  });

  it('is a shim under any other name; on Windows .exe is trimmed and case folded', () => {
    expect(decideInvocation('/opt/rocm/llvm/bin/clang++', ['-c', 'a.hip'], 'linux')).toMatchObject({ mode: 'shim', name: 'clang++' });
    expect(decideInvocation('C:\\ROCm\\bin\\CLANG.EXE', ['--version'], 'win32')).toMatchObject({ mode: 'shim', name: 'clang' });
    expect(decideInvocation('C:\\tools\\Hip-Clang-Launcher.exe', ['status'], 'win32')).toMatchObject({ mode: 'cli' });
    expect(decideInvocation('/dl/hip-clang-launcher-linux-x64', ['/usr/bin/clang', '-c'], 'linux')).toMatchObject({ mode: 'launcher' });
    expect(programNameOf('/a/b/clang.exe', 'linux')).toBe('clang.exe');
  });

  it('reserves exactly the subcommands the admin CLI has', () => {
    const names = commands.map((c) => String(c.command).split(' ')[0]);
    expect([...names, 'help', 'version'].sort()).toEqual([...SUBCOMMANDS].sort());
  });
});
