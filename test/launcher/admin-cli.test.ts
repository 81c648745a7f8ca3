import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUBCOMMANDS } from '../../src/invocation.js';
import { cleanEnv, runLauncher } from '../helpers/run-built.js';
import { repoRoot } from '../helpers/tools.js';

// The admin CLI of the built executable (its own bundle, loaded from the SEA asset).
describe('admin CLI (built executable)', () => {
  const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version as string;

  it('prints the package version for --version, -V and version', () => {
    for (const args of [['--version'], ['-V'], ['version']]) {
      const r = runLauncher(args);
      expect(r.status).toBe(0);
      expect(r.stdout.toString().trim()).toBe(version);
    }
  });

  it('lists every subcommand in --help, and explains the compiler form', () => {
    const r = runLauncher(['--help']);
    expect(r.status).toBe(0);
    const text = r.stdout.toString();
    expect(text).toContain('hip-clang-launcher <compiler> <args...>');
    for (const sub of SUBCOMMANDS) expect(text).toContain(`hip-clang-launcher ${sub}`);
  });

  it('shows help with a non-zero exit when run with no argument', () => {
    const r = runLauncher([], { env: cleanEnv() });
    expect(r.status).toBe(2);
    expect(r.stderr + r.stdout.toString()).toContain('hip-clang-launcher <compiler> <args...>');
  });

  it('rejects an unknown option of a subcommand in one line', () => {
    const r = runLauncher(['which-cache', '--bogus']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^hip-clang-launcher: error: Unknown argument: bogus; run 'hip-clang-launcher --help'\n$/);
  });
});
