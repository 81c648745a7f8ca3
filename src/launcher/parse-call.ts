import {
  BOTH_SIDES_FLAGS,
  COMPRESS_OFF,
  COMPRESS_ON,
  CUID_JOINED,
  DEPFILE_FLAGS,
  DEPFILE_OUTPUT_JOINED,
  DEVICE_LIB_PATH_JOINED,
  LANGUAGE_JOINED,
  OUTPUT_JOINED,
  DEVICE_ONLY_FLAGS,
  EMIT_LLVM_FLAGS,
  HIPCC_NAMES,
  HOST_ONLY_FLAGS,
  LANGUAGE_BY_EXTENSION,
  NEW_DRIVER_OFF,
  NO_OFFLOAD_ARCH_JOINED,
  NEW_DRIVER_ON,
  OFFLOAD_ARCH_JOINED,
  OFFLOAD_LANGUAGES,
  PREPROCESS_DEPS_FLAGS,
  PROBE_FLAGS,
  PROBE_PREFIXES,
  RDC_OFF,
  RDC_ON,
  ROCM_PATH_JOINED,
  SAVE_TEMPS_PREFIX,
  SEPARATE_VALUE_FLAGS,
  SPLIT_DWARF_OFF,
  SPLIT_DWARF_ON,
  STOP_FLAGS,
} from './clang-options.js';

// Reads a compiler call once into a plain record. Every rule, the log,
// `stats` and `doctor` look at this record; nothing else re-reads argv.

// `unknown`: no stop flag on the command line, but a response file that may hold one.
export type CallMode = 'probe' | 'compile' | 'assemble' | 'preprocess' | 'syntax-only' | 'link' | 'none' | 'unknown';
export type OffloadMode = 'both' | 'device-only' | 'host-only';
export type Driver = 'clang' | 'hipcc' | 'other';

export interface CallInput {
  file: string;
  // As clang types it: from the last `-x` before it, else its extension.
  language: string;
}

export interface ParsedCall {
  // The arguments as given (never rewritten here).
  args: readonly string[];
  driver: Driver;
  mode: CallMode;
  inputs: CallInput[];
  // The `-o` value as written, if any.
  output: string | undefined;
  // Index in args of the value of the last -o (for rules that rewrite it).
  outputIndex: number | undefined;
  // The call compiles GPU code (HIP or CUDA source in).
  offload: boolean;
  offloadArchs: string[];
  offloadMode: OffloadMode;
  rdc: boolean;
  offloadCompress: boolean;
  // An id chosen by the caller: `-cuid=X` or `-fuse-cuid=...`.
  explicitCuid: string | undefined;
  // -MD/-MMD (a depfile written beside the compile), and its -MF if given.
  depfile: boolean;
  depfileOutput: string | undefined;
  saveTemps: boolean;
  emitLlvm: boolean;
  // -gsplit-dwarf: .dwo files beside the object.
  splitDwarf: boolean;
  // --offload-new-driver given (last of it and its negation wins).
  newOffloadDriver: boolean;
  // --hip-device-lib-path / --rocm-device-lib-path values, and the last --rocm-path.
  deviceLibPaths: string[];
  rocmPath: string | undefined;
  // `@file` arguments, kept unexpanded: what they hold is not seen.
  responseFiles: string[];
}

function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i < 0 ? path : path.slice(i + 1);
}

export function driverOf(compiler: string): Driver {
  const name = baseName(compiler).toLowerCase();
  if (HIPCC_NAMES.has(name)) return 'hipcc';
  if (/^(amd)?clang(\+\+)?([-.].*)?$/.test(name) || name.startsWith('clang')) return 'clang';
  return 'other';
}

export function languageOfFile(file: string): string | undefined {
  const dot = file.lastIndexOf('.');
  if (dot <= 0 || dot < Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'))) return undefined;
  const ext = file.slice(dot + 1);
  return LANGUAGE_BY_EXTENSION[ext] ?? LANGUAGE_BY_EXTENSION[ext.toLowerCase()];
}

function joinedValue(arg: string, prefixes: readonly string[]): string | undefined {
  for (const prefix of prefixes) if (arg.startsWith(prefix) && arg.length > prefix.length) return arg.slice(prefix.length);
  return undefined;
}

// How many arguments at args[i] name offload archs (`--offload-arch=a`: 1,
// `--offload-arch a`: 2), 0 when none do.
export function isOffloadArchArg(args: readonly string[], i: number): number {
  const arg = args[i]!;
  if (arg === '--offload-arch' || arg === '--cuda-gpu-arch') return i + 1 < args.length ? 2 : 1;
  return joinedValue(arg, OFFLOAD_ARCH_JOINED) !== undefined || joinedValue(arg, NO_OFFLOAD_ARCH_JOINED) !== undefined ? 1 : 0;
}

export function parseCall(compiler: string, args: readonly string[]): ParsedCall {
  const call: ParsedCall = {
    args,
    driver: driverOf(compiler),
    mode: 'link',
    inputs: [],
    output: undefined,
    outputIndex: undefined,
    offload: false,
    offloadArchs: [],
    offloadMode: 'both',
    rdc: false,
    offloadCompress: false,
    explicitCuid: undefined,
    depfile: false,
    depfileOutput: undefined,
    saveTemps: false,
    emitLlvm: false,
    splitDwarf: false,
    newOffloadDriver: false,
    deviceLibPaths: [],
    rocmPath: undefined,
    responseFiles: [],
  };
  let language: string | undefined;
  let stop: CallMode | undefined;
  let probe = false;
  let verboseOnly = args.length === 1 && args[0] === '-v';

  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-') {
      call.inputs.push({ file: arg, language: language ?? 'c' });
      continue;
    }
    if (arg.startsWith('@') && arg.length > 1) {
      call.responseFiles.push(arg.slice(1));
      continue;
    }
    if (!arg.startsWith('-')) {
      call.inputs.push({ file: arg, language: language ?? languageOfFile(arg) ?? 'object' });
      continue;
    }
    if (PROBE_FLAGS.has(arg) || PROBE_PREFIXES.some((p) => arg.startsWith(p))) probe = true;
    const stopMode = STOP_FLAGS[arg];
    if (stopMode) {
      // clang stops at the earliest phase asked for: -E before -S before -c.
      const order: CallMode[] = ['preprocess', 'syntax-only', 'assemble', 'compile'];
      if (stop === undefined || order.indexOf(stopMode) < order.indexOf(stop)) stop = stopMode;
      continue;
    }
    if (PREPROCESS_DEPS_FLAGS.has(arg)) {
      stop = 'preprocess';
      continue;
    }
    if (DEPFILE_FLAGS.has(arg)) {
      call.depfile = true;
      continue;
    }
    if (DEVICE_ONLY_FLAGS.has(arg)) call.offloadMode = 'device-only';
    else if (HOST_ONLY_FLAGS.has(arg)) call.offloadMode = 'host-only';
    else if (BOTH_SIDES_FLAGS.has(arg)) call.offloadMode = 'both';
    else if (RDC_ON.has(arg)) call.rdc = true;
    else if (RDC_OFF.has(arg)) call.rdc = false;
    else if (COMPRESS_ON.has(arg)) call.offloadCompress = true;
    else if (COMPRESS_OFF.has(arg)) call.offloadCompress = false;
    else if (EMIT_LLVM_FLAGS.has(arg)) call.emitLlvm = true;
    else if (SPLIT_DWARF_ON.has(arg)) call.splitDwarf = true;
    else if (SPLIT_DWARF_OFF.has(arg)) call.splitDwarf = false;
    else if (NEW_DRIVER_ON.has(arg)) call.newOffloadDriver = true;
    else if (NEW_DRIVER_OFF.has(arg)) call.newOffloadDriver = false;
    else if (arg === SAVE_TEMPS_PREFIX || arg.startsWith(`${SAVE_TEMPS_PREFIX}=`)) call.saveTemps = true;
    if (arg !== '-v') verboseOnly = false;

    if (SEPARATE_VALUE_FLAGS.has(arg)) {
      const value = args[i + 1];
      i++;
      if (value === undefined) break;
      switch (arg) {
        case '-o':
        case '--output':
          call.output = value;
          call.outputIndex = i;
          break;
        case '-x':
        case '--language':
          language = value === 'none' ? undefined : value;
          break;
        case '--offload-arch':
        case '--cuda-gpu-arch':
          call.offloadArchs.push(value);
          break;
        case '-MF':
          call.depfileOutput = value;
          break;
        case '-cuid':
          call.explicitCuid = value;
          break;
        case '--hip-device-lib-path':
          call.deviceLibPaths.push(value);
          break;
        case '--rocm-path':
          call.rocmPath = value;
          break;
      }
      continue;
    }
    // Joined forms.
    let v: string | undefined;
    if ((v = joinedValue(arg, OUTPUT_JOINED)) !== undefined && !arg.startsWith('-obj')) {
      call.output = v;
      call.outputIndex = i;
    } else if ((v = joinedValue(arg, LANGUAGE_JOINED)) !== undefined) {
      language = v === 'none' ? undefined : v;
    } else if ((v = joinedValue(arg, OFFLOAD_ARCH_JOINED)) !== undefined) {
      call.offloadArchs.push(...v.split(','));
    } else if ((v = joinedValue(arg, NO_OFFLOAD_ARCH_JOINED)) !== undefined) {
      // clang drops these from the list (`all`: every one given before).
      const dropped = new Set(v.split(','));
      call.offloadArchs = dropped.has('all') ? [] : call.offloadArchs.filter((a) => !dropped.has(a));
    } else if ((v = joinedValue(arg, CUID_JOINED)) !== undefined) {
      call.explicitCuid = arg;
    } else if ((v = joinedValue(arg, DEPFILE_OUTPUT_JOINED)) !== undefined) {
      call.depfileOutput = v;
    } else if ((v = joinedValue(arg, DEVICE_LIB_PATH_JOINED)) !== undefined) {
      call.deviceLibPaths.push(v);
    } else if ((v = joinedValue(arg, ROCM_PATH_JOINED)) !== undefined) {
      call.rocmPath = v;
    }
  }

  call.offload = call.inputs.some((input) => OFFLOAD_LANGUAGES.has(input.language));
  if (probe || (verboseOnly && call.inputs.length === 0)) call.mode = 'probe';
  else if (stop) call.mode = stop;
  else if (call.responseFiles.length > 0) call.mode = 'unknown';
  else if (call.inputs.length === 0) call.mode = 'none';
  return call;
}
