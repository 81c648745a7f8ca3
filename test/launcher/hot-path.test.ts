import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/tools.js';

// The launcher and shim run once per compile: their bundle must hold nothing
// but Node built-ins and our own small modules. yargs and execa cost 6-23 ms
// to evaluate and belong to the admin CLI bundle only.
describe('hot path bundle (build/main.cjs)', () => {
  const meta = JSON.parse(readFileSync(join(repoRoot, 'build/main.meta.json'), 'utf8')) as {
    inputs: Record<string, unknown>;
  };
  const bundle = readFileSync(join(repoRoot, 'build/main.cjs'), 'utf8');

  it('contains only sources from src/, none from node_modules', () => {
    const inputs = Object.keys(meta.inputs);
    expect(inputs.length).toBeGreaterThan(5);
    expect(inputs.filter((f) => !f.startsWith('src/'))).toEqual([]);
    expect(inputs.filter((f) => f.startsWith('src/cli/'))).toEqual([]);
  });

  it('requires only node: built-ins', () => {
    const required = [...bundle.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!);
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((r) => !r.startsWith('node:') && !['fs', 'path', 'os', 'child_process', 'module', 'vm', 'url'].includes(r))).toEqual([]);
    expect(bundle).not.toMatch(/yargs|execa/);
  });

  it('keeps the admin CLI (yargs, execa) in its own bundle', () => {
    const cliMeta = JSON.parse(readFileSync(join(repoRoot, 'build/cli.meta.json'), 'utf8')) as { inputs: Record<string, unknown> };
    expect(Object.keys(cliMeta.inputs).some((f) => f.includes('node_modules/yargs/'))).toBe(true);
  });
});
