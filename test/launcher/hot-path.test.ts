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

  // `import * as fs` makes esbuild copy every export of node:fs into a new
  // object at start (its __toESM helper): about 0.5 ms per module, per compile.
  it('imports built-ins by name, never as a copied namespace', () => {
    const namespaces = [...bundle.matchAll(/=\s*([\w$]+)\(require\("(node:[^"]+)"\),1\)/g)].map((m) => m[2]);
    expect(namespaces).toEqual([]);
  });

  // The design's layering: the shim and the CLI stand on the launcher, never
  // the other way round (main.ts hands the launcher what it needs of the shim).
  it('has nothing below the launcher import from the shim or the CLI', () => {
    const graph = meta.inputs as Record<string, { imports?: { path: string }[] }>;
    const below = Object.keys(graph).filter((f) => !f.startsWith('src/shim/') && !f.startsWith('src/cli/') && f !== 'src/main.ts' && f !== 'src/sea-entry.ts');
    expect(below.filter((f) => f.startsWith('src/launcher/')).length).toBeGreaterThan(10);
    const upward = below.flatMap((f) => (graph[f]!.imports ?? []).filter((i) => /^src\/(shim|cli)\//.test(i.path)).map((i) => `${f} -> ${i.path}`));
    expect(upward).toEqual([]);
  });

  // The Linux executable runs the bundle as a vm.Script (src/sea-entry.ts), which has no dynamic import().
  it('has no dynamic import()', () => {
    expect(bundle).not.toMatch(/\bimport\(/);
  });

  it('keeps the admin CLI (yargs, execa) in its own bundle', () => {
    const cliMeta = JSON.parse(readFileSync(join(repoRoot, 'build/cli.meta.json'), 'utf8')) as { inputs: Record<string, unknown> };
    expect(Object.keys(cliMeta.inputs).some((f) => f.includes('node_modules/yargs/'))).toBe(true);
  });
});
