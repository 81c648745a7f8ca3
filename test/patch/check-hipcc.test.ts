import { describe, expect, it } from 'vitest';
import { runLauncher } from '../helpers/run-built.js';
import { built, tools } from '../helpers/tools.js';
import { buildHipcc, hipccEnv } from './hipcc-builds.js';

// check-hipcc runs the given hipcc with HIP_CLANG_LAUNCHER pointing at the
// built launcher in probe mode; only a call that reached the launcher counts.
const check = (hipcc: string) => {
  const r = runLauncher(['check-hipcc', hipcc, '--json'], { env: hipccEnv() });
  return { status: r.status, stderr: r.stderr, json: r.status === 0 || r.status === 1 ? JSON.parse(r.stdout.toString()) : undefined };
};

describe('hip-clang-launcher check-hipcc', () => {
  it('patched hipcc 7.0.2: the launcher was called with clang++ first, route launcher (exit 0)', () => {
    const r = check(buildHipcc('patched'));
    expect(r.status).toBe(0);
    expect(r.json.route).toBe('launcher');
    expect(r.json.launcher).toBe(built.linux);
    expect(r.json.calls[0].compiler).toBe('/usr/lib/llvm-15/bin/clang++');
    expect(r.json.compilerIsFile).toBe(true);
  });

  it('unpatched hipcc 7.0.2 and Debian\'s perl hipcc 5.2.3: not called, route shim (exit 1)', () => {
    for (const hipcc of [buildHipcc('unpatched'), tools.hipccPerl]) {
      const r = check(hipcc);
      expect(r.status).toBe(1);
      expect(r.json.route).toBe('shim');
      expect(r.json.calls).toEqual([]);
    }
  });

  it('plain output names the route; a hipcc that does not exist is a one-line error', () => {
    const text = runLauncher(['check-hipcc', buildHipcc('unpatched')], { env: hipccEnv() });
    expect(text.stdout.toString()).toMatch(/^launcher: not called: this hipcc ignores HIP_CLANG_LAUNCHER\nroute: {4}shim/m);
    const missing = runLauncher(['check-hipcc', '/nonexistent/bin/hipcc'], { env: hipccEnv() });
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/^hip-clang-launcher: error: hipcc \/nonexistent\/bin\/hipcc does not exist; [^\n]*\n$/);
  });
});
