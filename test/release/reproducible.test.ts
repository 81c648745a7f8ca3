import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-dir.js';
import { repoRoot } from '../helpers/tools.js';

// The release executable does not depend on where it was built: the same
// sources in two checkouts at different paths (of different lengths) give
// the same bytes, and neither path is in them. A SEA blob stores its main
// script's path; scripts/build.mjs gives it a fixed, relative one.
describe('reproducible linux-x64 executable', () => {
  const checkout = (dir: string) => {
    mkdirSync(dir, { recursive: true });
    for (const part of ['src', 'scripts', 'patches', 'package.json', 'tsconfig.json']) cpSync(join(repoRoot, part), join(dir, part), { recursive: true });
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
    const r = spawnSync('bash', ['-c', '. scripts/tools-env.sh && "$HCL_NODE" scripts/build.mjs --target linux'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return readFileSync(join(dir, 'dist/linux-x64/hip-clang-launcher'));
  };

  it('builds the same bytes in two different directories', () => {
    const base = makeTempDir('hcl-repro-');
    const dirs = [join(base, 'a'), join(base, 'a-checkout-with-a-much-longer-path', 'hip-clang-launcher')];
    const [first, second] = dirs.map(checkout);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(sha(second!)).toBe(sha(first!));
    for (const dir of dirs) expect(first!.includes(Buffer.from(dir))).toBe(false);
    expect(first!.includes(Buffer.from(base))).toBe(false);
  }, 600_000);
});
