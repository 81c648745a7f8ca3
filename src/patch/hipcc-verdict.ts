import { statSync } from 'node:fs';
import type { HipccSetupVar, ProbeResult } from './probe-hipcc.js';

// What a probe of hipcc (probe-hipcc.ts) means for caching, as data that
// check-hipcc prints and doctor can reuse: one finding, the route it leads to,
// the variables hipcc needs set here, and one line per fact with its fix.
//
// The hard part is telling "this hipcc ignores HIP_CLANG_LAUNCHER" from "this
// hipcc cannot find its clang here": a hipcc without HIP_CLANG_PATH looks for
// clang beside itself, and then either picks NVIDIA's nvcc (when one is on
// PATH and HIP_PLATFORM is unset) or calls the launcher with a clang that does
// not exist. Only a command that ran an existing clang without the launcher
// proves that hipcc ignores the variable.

export type Finding =
  | 'honours' // the launcher was called with an existing compiler
  | 'mangled' // the launcher was called, the compiler mangled (upstream's Windows quoting)
  | 'ignores' // hipcc ran clang itself, without the launcher
  | 'clang-not-found' // hipcc cannot find its clang here
  | 'no-compiler-run'; // hipcc ran no compiler at all: nothing to tell from

export type Route = 'launcher' | 'patch' | 'shim' | 'unknown';

export interface FindingLine {
  status: 'ok' | 'fail';
  found: string;
  fix?: string;
}

export interface HipccVerdict {
  finding: Finding;
  route: Route;
  // Whether a HIP compile through this hipcc worked here; undefined: not tried.
  compiles: boolean | undefined;
  // Variables to set before hipcc works here, with what each should hold.
  set: Partial<Record<HipccSetupVar, string>>;
  lines: FindingLine[];
  // 0: take the launcher route now; 1: this hipcc needs the shim or a patch;
  // 3: hipcc cannot find its clang or compile here: set `set`, probe again.
  exitCode: 0 | 1 | 3;
}

// The compile probe: a compile-only HIP file for one common GPU target, so
// that hipcc asks no GPU enumerator.
export const COMPILE_ARGS = ['--offload-arch=gfx90a', '-c', '-x', 'hip', 'probe.hip', '-o', 'probe.o'];

const CLANG_DIR = '<dir holding clang++>';
const SETUP_FIX = 'set HIP_CLANG_PATH to the directory of clang++ and HIP_PLATFORM=amd; a compile also needs DEVICE_LIB_PATH (the amdgcn bitcode directory) or ROCM_PATH, unless hipcc finds them';
const SHIM_FIX = 'use the shim (hip-clang-launcher install), or patch its source (hip-clang-launcher patch <dir>) and rebuild it';

export function hipccVerdict(probe: ProbeResult): HipccVerdict {
  const set: HipccVerdict['set'] = {};
  const lines: FindingLine[] = [];
  const needClang = () => {
    set.HIP_CLANG_PATH = CLANG_DIR;
    if (!['amd', 'hcc'].includes(probe.env.HIP_PLATFORM ?? '')) set.HIP_PLATFORM = 'amd';
  };
  const call = probe.calls[0];
  const versionRun = probe.runs.find((r) => r.kind === 'version');
  const ran = probe.runs.flatMap((r) => r.commands).map(firstWord)[0];
  let finding: Finding;
  let route: Route;

  if (call && isFile(call.compiler)) {
    finding = 'honours';
    route = 'launcher';
    lines.push({ status: 'ok', found: `honours HIP_CLANG_LAUNCHER: the launcher was called with the compiler ${call.compiler}` });
  } else if (call && looksLikeClang(call.compiler)) {
    finding = 'clang-not-found';
    route = 'launcher';
    lines.push({ status: 'ok', found: 'honours HIP_CLANG_LAUNCHER: the launcher was called' });
    lines.push({ status: 'fail', found: `cannot find its clang here: it looked for ${call.compiler}`, fix: SETUP_FIX });
    needClang();
  } else if (call) {
    finding = 'mangled';
    route = 'patch';
    lines.push({
      status: 'fail',
      found: `calls the launcher, but the compiler arrived mangled as ${JSON.stringify(call.compiler)} (upstream's Windows quoting)`,
      fix: 'apply the Windows quoting fix to its source (hip-clang-launcher patch <dir>) and rebuild it, or use the shim (hip-clang-launcher install)',
    });
  } else if (ran !== undefined && /^nvcc(\.exe)?$/i.test(baseName(ran))) {
    finding = 'clang-not-found';
    route = 'unknown';
    const looked = /(\S*clang\+\+\S*): (?:not found|No such file)/.exec(versionRun?.stderr ?? '')?.[1];
    const platform = probe.env.HIP_PLATFORM === undefined ? 'HIP_PLATFORM unset' : `HIP_PLATFORM=${probe.env.HIP_PLATFORM}`;
    lines.push({ status: 'fail', found: `cannot find its clang here: it picked NVIDIA's ${ran} (${platform}${looked ? `, no clang at ${looked}` : ''})`, fix: SETUP_FIX });
    needClang();
    set.HIP_PLATFORM = 'amd';
  } else if (ran !== undefined && ran !== probe.launcher) {
    finding = 'ignores';
    route = 'shim';
    lines.push({ status: 'fail', found: `ignores HIP_CLANG_LAUNCHER: it ran ${ran} itself`, fix: SHIM_FIX });
    if (!isFile(ran)) {
      lines.push({ status: 'fail', found: `cannot find its clang here either: ${ran} does not exist`, fix: SETUP_FIX });
      needClang();
    }
  } else {
    finding = 'no-compiler-run';
    route = 'unknown';
    const last = probe.runs.at(-1);
    const why = last ? lastLine(last.stderr) : '';
    lines.push({
      status: 'fail',
      found: ran === probe.launcher
        ? 'named the launcher, but the launcher never ran'
        : `ran no compiler (hipcc ${last?.args.join(' ')} exited ${last?.exitCode}${why ? `: ${why}` : ''})`,
      fix: `run ${probe.hipcc} ${COMPILE_ARGS.slice(0, 2).join(' ')} <file.hip> by hand to see why`,
    });
  }

  const compileRun = probe.runs.find((r) => r.kind === 'compile');
  const compiles = compileRun === undefined ? undefined : compileRun.exitCode === 0;
  if (compileRun && finding !== 'no-compiler-run') {
    if (compiles) lines.push({ status: 'ok', found: 'a HIP compile through it works here' });
    else lines.push({ status: 'fail', found: `a HIP compile through it fails here: ${compileError(compileRun.stderr)}`, fix: compileFix(compileRun.stderr, set) });
  }

  const exitCode = route === 'shim' || route === 'patch' ? 1 : route === 'launcher' && finding === 'honours' && compiles !== false ? 0 : 3;
  return { finding, route, compiles, set, lines, exitCode };
}

// After `hipcc --version`: whether the compile probe would tell more. Not when
// hipcc is already known not to reach a usable clang.
export function wantsCompileProbe(verdict: HipccVerdict): boolean {
  if (verdict.set.HIP_CLANG_PATH !== undefined) return false;
  return verdict.finding === 'honours' || verdict.finding === 'ignores' || verdict.finding === 'no-compiler-run';
}

// The first word of a command line as hipcc printed it ("..." or bare).
function firstWord(command: string): string {
  const trimmed = command.trimStart();
  if (trimmed.startsWith('"')) return trimmed.slice(1, trimmed.indexOf('"', 1) === -1 ? undefined : trimmed.indexOf('"', 1));
  return trimmed.split(/\s+/)[0] ?? '';
}

const baseName = (path: string) => path.split(/[\\/]/).at(-1) ?? path;

// A clean path to a clang driver: what hipcc hands over when its quoting is
// right, whether or not the file exists. A quote, an edge blank or another
// name means the path was cut or wrapped on the way.
function looksLikeClang(path: string): boolean {
  return !path.includes('"') && path === path.trim() && /^(amd)?clang(\+\+)?(-\d+(\.\d+)*)?(\.exe)?$/i.test(baseName(path));
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const lastLine = (text: string) => text.trim().split(/\r?\n/).at(-1)?.trim() ?? '';

function compileError(stderr: string): string {
  const error = stderr.split(/\r?\n/).find((line) => /\berror\b/i.test(line));
  return (error ?? lastLine(stderr)).trim() || 'no message';
}

// clang names what it could not find; each maps to the variable hipcc reads.
function compileFix(stderr: string, set: HipccVerdict['set']): string {
  const fixes: string[] = [];
  if (/device lib/i.test(stderr)) {
    set.DEVICE_LIB_PATH = '<dir holding the amdgcn device bitcode>';
    fixes.push('set DEVICE_LIB_PATH to the directory of the amdgcn device bitcode (*.bc), or ROCM_PATH to the ROCm root that holds amdgcn/bitcode');
  }
  if (/HIP runtime|hip_runtime\.h/i.test(stderr)) {
    set.ROCM_PATH = '<ROCm root holding include/hip>';
    fixes.push('set ROCM_PATH to the ROCm root that holds include/hip (HIP_PATH too, for its version file)');
  }
  if (fixes.length === 0) fixes.push(`compile a .hip file with ${COMPILE_ARGS.slice(0, 2).join(' ')} through this hipcc by hand to see why`);
  return fixes.join('; ');
}
