import { SEPARATE_VALUE_FLAGS } from './clang-options.js';
import { isOffloadArchArg, type ParsedCall } from './parse-call.js';

// Plans a call as parts (pure: no process, no file). A part is either an
// ordinary compiler call, which run-parts.ts sends through planLaunch and so
// through the cache with every HIP rule, or a tool step taken from the
// driver's own job list (`clang -###`), never written by hand: its arguments
// differ between clang versions (host triple, arch order).

export interface CompilePart {
  kind: 'compile';
  name: string;
  args: string[];
}

export interface ToolPart {
  kind: 'tool';
  name: string;
  file: string;
  args: string[];
  // The file this step writes whose bytes a later part is keyed by: run-parts
  // moves it to a name made of its hash and puts that name where BUNDLE_SLOT is.
  keyByBytes?: string;
}

export type Part = CompilePart | ToolPart;

// Where the hash-named bundle goes in a later part's arguments.
export const BUNDLE_SLOT = '\u0000bundle';

// clang-offload-bundler as the driver runs it, with its files as slots.
export interface BundlerJob {
  file: string;
  args: string[];
}
// Without -fgpu-rdc, each arch's device link (lld) as the driver runs it,
// its input and output as slots: see planPerArchParts, `links`.
export type DeviceLinks = Record<string, BundlerJob>;
const SLOT_HOST = '\u0000host';
const SLOT_OUTPUT = '\u0000output';
const SLOT_INPUT = '\u0000input';
const slotArch = (arch: string) => `\u0000arch:${arch}`;

// The jobs `clang -###` prints, one argv per line (each argument quoted, with `"`, `\` and `$` escaped).
export function parseDriverJobs(text: string): string[][] {
  const jobs: string[][] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(' "')) continue;
    const job: string[] = [];
    for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"/g)) job.push(m[1]!.replace(/\\(.)/g, '$1'));
    jobs.push(job);
  }
  return jobs;
}

function programOf(job: readonly string[]): string {
  const file = job[0] ?? '';
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1).replace(/\.exe$/i, '');
}

// The bundling step of a HIP compile's job list, as a template, or why the
// list is not the shape whose split was checked: per arch a device `-cc1`
// (plus `lld` without -fgpu-rdc), one host `-cc1` (given the fat binary
// without -fgpu-rdc), one clang-offload-bundler, nothing else.
export function bundlerTemplate(jobs: readonly string[][], call: ParsedCall): BundlerJob | string {
  const archs = call.offloadArchs;
  let device = 0;
  let hostCc1: readonly string[] | undefined;
  let links = 0;
  let bundler: readonly string[] | undefined;
  for (const job of jobs) {
    const program = programOf(job);
    if (job[1] === '-cc1') {
      if (job.includes('-fcuda-is-device')) device++;
      else if (hostCc1) return 'two host jobs in the driver\'s job list';
      else hostCc1 = job;
    } else if (program === 'lld' || program === 'ld.lld') {
      links++;
    } else if (program.startsWith('clang-offload-bundler')) {
      if (bundler) return 'two bundling jobs in the driver\'s job list';
      bundler = job;
    } else {
      return `a ${program} job in the driver's job list${/packager|linker-wrapper/.test(program) ? ' (the new offload driver)' : ''}`;
    }
  }
  if (device !== archs.length) return `${device} device jobs for ${archs.length} archs`;
  if (!hostCc1 || !bundler) return 'no host or bundling job in the driver\'s job list';
  if (links !== (call.rdc ? 0 : archs.length)) return `${links} device link jobs for ${archs.length} archs`;
  if (!call.rdc && !hostCc1.includes('-fcuda-include-gpubinary')) return 'the host job does not take the fat binary';

  const targets = bundler.find((a) => a.startsWith('-targets='))?.slice('-targets='.length).split(',') ?? [];
  const args: string[] = [];
  let input = 0;
  for (const arg of bundler.slice(1)) {
    if (arg.startsWith('-output=')) {
      args.push(`-output=${SLOT_OUTPUT}`);
      continue;
    }
    if (!arg.startsWith('-input=')) {
      if (arg.startsWith('-compress') || arg.startsWith('-unbundle')) return `bundler argument ${arg}`;
      args.push(arg);
      continue;
    }
    const target = targets[input++];
    if (target === undefined) return 'more bundler inputs than targets';
    if (target.startsWith('host-')) {
      if (call.rdc) args.push(`-input=${SLOT_HOST}`);
      else if (arg === '-input=/dev/null') args.push(arg);
      else return `bundler host input ${arg}`;
      continue;
    }
    // The longest arch the target ends with (`...--gfx90a`, `...-gfx90a:xnack+`).
    const arch = archs.filter((a) => target.endsWith(`-${a}`)).sort((a, b) => b.length - a.length)[0];
    if (!arch) return `bundler target ${target} names no arch of the call`;
    args.push(`-input=${slotArch(arch)}`);
  }
  if (input !== targets.length || input !== archs.length + 1) return 'bundler inputs and targets do not pair up';
  return { file: bundler[0]!, args };
}

// Without -fgpu-rdc: each arch's device link (`lld ... -o <code object> <device object>`) from
// the driver's job list, its files as slots, or undefined where the list is not that plain
// shape. The arch is the one whose bundler input the link writes; its input is the object one
// device -cc1 job writes.
export function deviceLinkTemplates(jobs: readonly string[][], call: ParsedCall): DeviceLinks | undefined {
  if (call.rdc) return undefined;
  const bundler = jobs.find((job) => programOf(job).startsWith('clang-offload-bundler'));
  const targets = bundler?.find((a) => a.startsWith('-targets='))?.slice('-targets='.length).split(',') ?? [];
  const inputs = (bundler ?? []).filter((a) => a.startsWith('-input=')).map((a) => a.slice('-input='.length));
  const archOfFile = new Map<string, string>();
  inputs.forEach((file, i) => {
    const arch = call.offloadArchs.filter((a) => targets[i]?.endsWith(`-${a}`)).sort((a, b) => b.length - a.length)[0];
    if (arch) archOfFile.set(file, arch);
  });
  const deviceObjects = new Set(jobs.filter((job) => job[1] === '-cc1' && job.includes('-fcuda-is-device')).map((job) => job[job.indexOf('-o') + 1]));
  const links: DeviceLinks = {};
  for (const job of jobs) {
    const program = programOf(job);
    if (program !== 'lld' && program !== 'ld.lld') continue;
    const at = job.indexOf('-o');
    const arch = at > 0 ? archOfFile.get(job[at + 1] ?? '') : undefined;
    const objects = job.filter((a) => deviceObjects.has(a));
    if (!arch || links[arch] || objects.length !== 1 || job.lastIndexOf('-o') !== at) return undefined;
    links[arch] = { file: job[0]!, args: job.slice(1).map((a, i) => (i + 1 === at + 1 ? SLOT_OUTPUT : a === objects[0] ? SLOT_INPUT : a)) };
  }
  return Object.keys(links).length === call.offloadArchs.length ? links : undefined;
}

// Learned links (a memo someone else could have written) that serve this call:
// one for every arch, each with its input and output slot once, as
// deviceLinkTemplates makes them; undefined otherwise, so the parts link as before.
export function linksForCall(links: DeviceLinks | undefined, call: ParsedCall): DeviceLinks | undefined {
  const once = (job: BundlerJob, slot: string) => job.args.filter((a) => a === slot).length === 1;
  const serves = links !== undefined && call.offloadArchs.every((arch) => Object.hasOwn(links, arch) && once(links[arch]!, SLOT_INPUT) && once(links[arch]!, SLOT_OUTPUT));
  return serves ? links : undefined;
}

// The call as a device-only compile of every arch into relocatable objects
// (-fhip-emit-relocatable), without its output: its job list is one -cc1 job
// per arch and no link. With the call's depfile flags, so that each -cc1 job
// is the one-step one's (clang-21 gives the device jobs -MT and
// -sys-header-deps, no depfile); a part differs from it only in where its
// depfile goes, as every device part does. One driver run for all archs: it
// is learned once per compiler and call shape, in every build that brings a new arch list.
export function relocatableDeviceArgs(args: readonly string[]): string[] {
  return plus(without(args, { archs: false }), ['--offload-device-only', '--no-gpu-bundle-output', RELOCATABLE]);
}
const RELOCATABLE = '-fhip-emit-relocatable';

// Whether `probe`, the job list of relocatableDeviceArgs, is the one-step compile's device
// -cc1 jobs and nothing else: the same arguments but for their own output files.
export function isOneStepDeviceJobs(probe: readonly string[][], jobs: readonly string[][]): boolean {
  const withoutOutput = (j: readonly string[]) => j.filter((_, i) => j.indexOf('-o') < 0 || i !== j.indexOf('-o') + 1).join('\0');
  const device = (j: readonly string[]) => j[1] === '-cc1' && j.includes('-fcuda-is-device') && j.includes('-emit-obj');
  const mine = probe.map(withoutOutput).sort();
  const theirs = jobs.filter(device).map(withoutOutput).sort();
  return probe.every(device) && mine.length === theirs.length && mine.every((m, i) => m === theirs[i]);
}

// Values that differ from file to file of one build and never change the
// driver's job list; the memo of that list is keyed on the rest.
const PER_FILE_VALUE_FLAGS = new Set(['-o', '--output', '-D', '-U', '-I', '-isystem', '-iquote', '-idirafter', '-include', '-MF', '-MT', '-MQ', '-cuid']);
const PER_FILE_JOINED = ['-D', '-U', '-I', '-o', '--output=', '-cuid=', '-MF', '-MT', '-MQ'];

// The call's shape for the job-list memo: its arguments less inputs and per-file values.
export function jobShape(call: ParsedCall): string {
  const inputs = new Set(call.inputs.map((i) => i.file));
  const kept: string[] = [];
  for (let i = 0; i < call.args.length; i++) {
    const arg = call.args[i]!;
    if (PER_FILE_VALUE_FLAGS.has(arg)) {
      i++;
      continue;
    }
    if (inputs.has(arg) || PER_FILE_JOINED.some((p) => arg.startsWith(p) && arg.length > p.length && !arg.startsWith('-offload'))) continue;
    kept.push(arg);
  }
  return kept.join('\0');
}

const DEPFILE_SWITCHES = new Set(['-MD', '-MMD', '-MP', '-MV']);
const DEPFILE_VALUES = ['-MF', '-MT', '-MQ'];

// The arguments less every output (-o x, -ox, --output=x) and, when asked,
// every arch and every depfile flag.
function without(args: readonly string[], drop: { archs: boolean; depfile?: boolean }): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-o' || arg === '--output') {
      i++;
      continue;
    }
    if (arg.startsWith('--output=') || (arg.startsWith('-o') && arg.length > 2 && !arg.startsWith('-obj'))) continue;
    if (drop.depfile) {
      if (DEPFILE_SWITCHES.has(arg)) continue;
      if (DEPFILE_VALUES.includes(arg)) {
        i++;
        continue;
      }
      if (DEPFILE_VALUES.some((f) => arg.startsWith(f))) continue;
    }
    if (drop.archs) {
      const n = isOffloadArchArg(args, i);
      if (n) {
        i += n - 1;
        continue;
      }
    }
    out.push(arg);
  }
  return out;
}

// Added before a `--` that ends the options, as the rules' additions are.
function plus(args: readonly string[], added: readonly string[]): string[] {
  const end = args.indexOf('--');
  return end < 0 ? [...args, ...added] : [...args.slice(0, end), ...added, ...args.slice(end)];
}

function fill(job: BundlerJob, files: { host?: string; output: string; archs: Map<string, string> }): string[] {
  return job.args.map((arg) => {
    const eq = arg.indexOf('=');
    const value = eq < 0 ? arg : arg.slice(eq + 1);
    if (value === SLOT_OUTPUT) return `${arg.slice(0, eq + 1)}${files.output}`;
    if (value === SLOT_HOST) return `${arg.slice(0, eq + 1)}${files.host}`;
    if (value.startsWith('\u0000arch:')) return `${arg.slice(0, eq + 1)}${files.archs.get(value.slice('\u0000arch:'.length))}`;
    return arg;
  });
}

// The RDC host part writes a temporary object: its depfile is told the name
// and target the one-step compile gives it (clang: the output with a .d
// extension, and the output quoted as -MQ does), unless the call names them.
function depfileFor(call: ParsedCall): string[] {
  if (!call.depfile) return [];
  const output = call.output!;
  const has = (flag: string) => call.args.some((a) => a === flag || a.startsWith(flag));
  const added: string[] = [];
  if (!has('-MF')) {
    const slash = Math.max(output.lastIndexOf('/'), output.lastIndexOf('\\'));
    const dot = output.lastIndexOf('.');
    added.push('-MF', `${dot > slash ? output.slice(0, dot) : output}.d`);
  }
  if (!has('-MT') && !has('-MQ')) added.push('-MQ', output);
  return added;
}

// The per-arch split of a HIP compile (args: the call's own, with its -cuid),
// its temporaries in tempDir:
// - without -fgpu-rdc: per arch a device-only compile to a code object, the
//   driver's bundling of them into a fat binary, and the host-only compile
//   given that fat binary (keyed by its bytes) writing the call's output;
// - with -fgpu-rdc: per arch a device-only compile to bitcode, the host-only
//   compile (no archs: it does not depend on them), and the driver's bundling of
//   all of them into the call's output.
// A device part's own depfile, so that ccache's depend mode keys it on the
// headers it read instead of running the preprocessor once more per arch
// (about 0.4 s of a 3 s rocPRIM device compile, clang-21). Never the call's
// depfile: that is the host part's. ccache hashes the -MF flag but not its
// path (checked: ccache 4.7 hit across two -MF paths), and the fixed target
// keeps the -o's temporary name out of the key.
// - 'driver': clang 15's driver passes -MF on to the device -cc1, so the
//   depfile lives in the private temporary directory;
// - 'cc1': clang 21's driver does not (it warns -MF unused), so the -cc1 is
//   told the file itself. ccache hashes that -Xclang value (4.14: two paths,
//   two misses), so the name must
//   not change from call to call: beside the call's output, named for the
//   arch (not its index: {B} alone must find the entry {A,B} left).
export type DeviceDepfiles = 'driver' | 'cc1';
export const DEVICE_DEPFILE_TARGET = 'hcl-device-part';
function deviceDepfileArgs(mode: DeviceDepfiles | undefined, file: string): string[] {
  if (mode === undefined) return [];
  const args = ['-MD', '-MF', file, '-MT', DEVICE_DEPFILE_TARGET];
  return mode === 'driver' ? args : [...args, '-Xclang', '-dependency-file', '-Xclang', file, '-Wno-unused-command-line-argument'];
}
// An arch as a file name part (`gfx90a:xnack+` holds characters Windows refuses).
const archFileName = (arch: string) => arch.replace(/[^A-Za-z0-9_.-]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
// The depfiles a 'cc1' split writes beside the output: run-parts removes them.
export function deviceDepfileBeside(output: string, arch: string): string {
  return `${output}.${archFileName(arch)}.hcl.d`;
}

// `links` (without -fgpu-rdc, where the driver has -fhip-emit-relocatable and
// its device job is the one-step one): each device part compiles to its
// relocatable object, and the driver's own device link (lld, a tool step like
// the bundler) makes the code object. A device part is then one -cc1 job,
// which the driver runs in its own process; with the link in the part it
// starts a second clang process for the -cc1 (clang runs -cc1 in-process only
// for a one-job call): one clang start less per arch (about 15 ms each).
export function planPerArchParts(call: ParsedCall, args: readonly string[], bundler: BundlerJob, tempDir: string, sep = '/', deviceDepfiles?: DeviceDepfiles, links?: DeviceLinks): Part[] {
  const output = call.output!;
  // The call's depfile is the host part's: clang-15 writes the same one from
  // every job (the host's last), clang-21 none from device jobs; the host-only
  // depfile was the one-step one, byte for byte, in both.
  const noArchs = without(args, { archs: true, depfile: true });
  const archFiles = new Map<string, string>();
  const linked = !call.rdc && links !== undefined;
  const parts: Part[] = call.offloadArchs.map((arch, i) => {
    const file = `${tempDir}${sep}device-${i}.${call.rdc ? 'bc' : 'out'}`;
    archFiles.set(arch, file);
    const depfile = deviceDepfiles === 'cc1' ? deviceDepfileBeside(output, arch) : `${tempDir}${sep}device-${i}.d`;
    return {
      kind: 'compile',
      name: `device ${arch}`,
      args: plus(noArchs, [`--offload-arch=${arch}`, '--offload-device-only', '--no-gpu-bundle-output', ...(linked ? [RELOCATABLE] : []), ...deviceDepfileArgs(deviceDepfiles, depfile), '-o', linked ? `${tempDir}${sep}device-${i}.o` : file]),
    };
  });
  if (linked) {
    call.offloadArchs.forEach((arch, i) => {
      const link = links[arch]!;
      const files = (a: string) => (a === SLOT_OUTPUT ? archFiles.get(arch)! : a === SLOT_INPUT ? `${tempDir}${sep}device-${i}.o` : a);
      parts.push({ kind: 'tool', name: `link ${arch}`, file: link.file, args: link.args.map(files) });
    });
  }
  if (call.rdc) {
    const host = `${tempDir}${sep}host.o`;
    // Without the archs: the RDC host object does not depend on them (the same
    // bytes, clang-15 and clang-21), so one host entry serves every arch list.
    parts.push({ kind: 'compile', name: 'host', args: plus(without(args, { archs: true }), ['--offload-host-only', ...depfileFor(call), '-o', host]) });
    parts.push({ kind: 'tool', name: 'bundle', file: bundler.file, args: fill(bundler, { host, output, archs: archFiles }) });
  } else {
    const fatBinary = `${tempDir}${sep}bundle.hipfb`;
    parts.push({ kind: 'tool', name: 'bundle', file: bundler.file, args: fill(bundler, { output: fatBinary, archs: archFiles }), keyByBytes: fatBinary });
    parts.push({ kind: 'compile', name: 'host', args: plus(args, ['--offload-host-only', '-Xclang', '-fcuda-include-gpubinary', '-Xclang', BUNDLE_SLOT]) });
  }
  return parts;
}

// Link-only flags: a compile part leaves them out (clang would warn that they
// go unused, an error under -Werror). Joined prefixes, then flags with a value.
const LINK_ONLY_PREFIXES = ['-l', '-L', '-Wl,', '-fuse-ld=', '--ld-path=', '-Xlinker='];
const LINK_ONLY_FLAGS = new Set(['-shared', '-static', '-rdynamic', '-pie', '-no-pie', '-nostdlib', '-nodefaultlibs', '-nostartfiles', '-s', '--hip-link']);
const LINK_ONLY_VALUE_FLAGS = new Set(['-l', '-L', '-Xlinker', '-u', '-T', '-z']);
// Each part of a compile-and-link sees only its own share of the flags the
// one-step call uses: without this, clang warns of the rest as unused, which
// the one-step call (using every flag somewhere) never does.
const QUIET_UNUSED = '-Wno-unused-command-line-argument';

// A single-step compile-and-link (`clang++ -o prog main.hip util.cpp -lfoo`)
// as one compile part per source (its language given by -x, as the call
// typed it; HIP sources with the -cuid `cuidOf` gives them) into tempDir,
// then the link: the call's own arguments with each source replaced by its
// object in place and no -x (objects are typed by their extension).
// `depfiles`: each HIP part writes a depfile into the temporary directory, so ccache keys it in
// depend mode (hip-rules/depend-mode.ts) instead of running the preprocessor on a miss (a host
// and a device pass over the HIP headers: on rocThrust's examples a cold build took +39% over
// uncached without it). Its target is fixed: ccache hashes the target, and the object's name is
// a random temporary one. ccache leaves the depfile's own name out of its key.
export function planCompileLinkParts(call: ParsedCall, tempDir: string, cuidOf: (compileArgs: string[]) => string, sep = '/', depfiles = false): Part[] {
  const sources = new Map<number, { file: string; language: string; object: string }>();
  const inputs = [...call.inputs];
  const compileArgs: string[] = [];
  const linkArgs: string[] = [];
  let next = 0;
  for (let i = 0; i < call.args.length; i++) {
    const arg = call.args[i]!;
    const input = inputs[next];
    if (input && arg === input.file && !arg.startsWith('-')) {
      next++;
      if (input.language === 'object') linkArgs.push(arg);
      else {
        const object = `${tempDir}${sep}${sources.size}-${arg.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '')}.o`;
        sources.set(i, { file: arg, language: input.language, object });
        linkArgs.push(object);
      }
      continue;
    }
    if (arg === '-x' || arg === '--language') {
      i++;
      continue;
    }
    if (arg.startsWith('-x') || arg.startsWith('--language=')) continue;
    if (arg === '-o' || arg === '--output') {
      linkArgs.push(arg, call.args[i + 1] ?? '');
      i++;
      continue;
    }
    if (arg.startsWith('--output=') || (arg.startsWith('-o') && arg.length > 2 && !arg.startsWith('-obj'))) {
      linkArgs.push(arg);
      continue;
    }
    const value = call.args[i + 1];
    if (LINK_ONLY_VALUE_FLAGS.has(arg)) {
      linkArgs.push(arg, value ?? '');
      i++;
      continue;
    }
    if (LINK_ONLY_FLAGS.has(arg) || LINK_ONLY_PREFIXES.some((p) => arg.startsWith(p))) {
      linkArgs.push(arg);
      continue;
    }
    // Any other flag goes to both, with its separate value if it takes one.
    compileArgs.push(arg);
    linkArgs.push(arg);
    if (SEPARATE_VALUE_FLAGS.has(arg) && value !== undefined) {
      compileArgs.push(value);
      linkArgs.push(value);
      i++;
    }
  }
  const parts: Part[] = [...sources.values()].map((s) => {
    // The id a separate compile of this source into the program would get: its own flags, the program's name.
    const cuid = s.language === 'hip' && !call.explicitCuid ? cuidOf([...compileArgs, '-c', '-x', s.language, s.file, '-o', `${call.output ?? 'a.out'}(${s.file})`]) : undefined;
    const depfile = depfiles && s.language === 'hip' ? ['-MD', '-MF', s.object.replace(/\.o$/, '.d'), '-MT', 'hcl-part'] : [];
    return {
      kind: 'compile',
      name: `compile ${s.file}`,
      args: [...compileArgs, QUIET_UNUSED, ...(cuid ? [`-cuid=${cuid}`] : []), ...depfile, '-c', '-x', s.language, s.file, '-o', s.object],
    };
  });
  parts.push({ kind: 'compile', name: 'link', args: [...linkArgs, QUIET_UNUSED] });
  return parts;
}
