import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAsync, type RunResult } from './run-built.js';
import { repoRoot, toolsDir } from './tools.js';

// The Debian sid lab (scripts/provision-lab.sh): hipcc 7.0.2, clang-21,
// ccache 4.14, sccache 0.17. Commands run in it through scripts/lab-run.sh, in
// a private mount namespace with only the given host paths bound.

export const labRoot = join(toolsDir, 'sid-root');
const labRun = join(repoRoot, 'scripts/lab-run.sh');

// A host path bound into the lab: at its own path, or at `inside`.
export type LabBind = string | { host: string; inside?: string; readOnly?: boolean };

export interface LabOptions {
  binds?: LabBind[];
  env?: Record<string, string>;
  cwd?: string;
  input?: string | Buffer;
  timeout?: number;
}

export function requireLab(): string {
  if (!existsSync(join(labRoot, 'etc/hcl-lab/recipe'))) throw new Error(`missing the sid lab at ${labRoot}: run \`npm run provision\``);
  return labRoot;
}

export function labArgv(argv: string[], options: LabOptions = {}): string[] {
  const out = [labRun];
  for (const bind of options.binds ?? []) {
    const b = typeof bind === 'string' ? { host: bind } : bind;
    out.push(b.readOnly ? '--ro-bind' : '--bind', b.inside ? `${b.host}:${b.inside}` : b.host);
  }
  if (options.cwd) out.push('--cwd', options.cwd);
  for (const [k, v] of Object.entries(options.env ?? {})) out.push('--env', `${k}=${v}`);
  out.push('--', ...argv);
  return out;
}

// The lab's own environment is fixed (env -i inside); the host's is passed only
// to lab-run.sh itself, less anything that would steer where tools are found.
function hostEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HCL_TOOLS: toolsDir };
}

export function runInLab(argv: string[], options: LabOptions = {}): RunResult {
  requireLab();
  const r = spawnSync('bash', labArgv(argv, options), {
    env: hostEnv(),
    input: options.input,
    timeout: options.timeout,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

// The same, without blocking the test worker (for long runs such as the corpus).
export function runInLabAsync(argv: string[], options: LabOptions = {}): Promise<RunResult> {
  requireLab();
  return runAsync('bash', labArgv(argv, options), { env: hostEnv(), input: options.input });
}

// What provisioning recorded about the lab's toolchain (name -> version).
export function labVersions(): Record<string, string> {
  const text = readFileSync(join(requireLab(), 'etc/hcl-lab/versions'), 'utf8');
  return Object.fromEntries(text.split('\n').filter(Boolean).map((line) => line.split('\t') as [string, string]));
}
