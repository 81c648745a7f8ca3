import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';

// The compiler's (or cache's) environment as this process's own plus a few
// changes, never copied whole. process.env looks each name up with getenv, a
// scan of the whole environment, and even Object.keys(process.env) is
// quadratic: copying it for the child took 75 s with 100,000 variables (0.8 s
// for the names alone with 30,000). A layer answers lookups from its changes,
// then its base; `execEnvironment` gives the `NAME=value` list for an exec in one
// pass over /proc/self/environ (on Linux, when the base is process.env, which
// nothing here changes), so the caller's entries pass as they were. Anything
// that enumerates a layer (spawn, Object.entries) sees it materialised once.

const LAYER = Symbol('hip-clang-launcher environment layer');

interface Layer {
  base: NodeJS.ProcessEnv;
  // `undefined`: removed.
  changes: Map<string, string | undefined>;
  whole?: NodeJS.ProcessEnv;
  exec?: ExecEnvironment;
}

function layerOf(env: NodeJS.ProcessEnv): Layer | undefined {
  return (env as { [LAYER]?: Layer })[LAYER];
}

interface RawEnvironment {
  // Split into entries only when a list is needed (an exec): a spawn inherits them.
  readonly entries: string[];
  // The file's size: every entry's UTF-8 bytes plus its NUL (what exec-size.ts counts).
  bytes: number;
  // Every byte sequence is valid UTF-8, so each entry reaches the compiler as it came.
  utf8: boolean;
}

let raw: RawEnvironment | undefined | null = null;
// This process's environment as the kernel holds it (Linux), read once.
// Checked whole for UTF-8 (one native pass), never entry by entry: 100,000
// entries cost about 20 ms per pass over them in JavaScript.
function rawEnvironment(): RawEnvironment | undefined {
  if (raw !== null) return raw;
  raw = undefined;
  if (process.platform === 'linux') {
    try {
      const bytes = readFileSync('/proc/self/environ');
      const ends = bytes.length === 0 || bytes[bytes.length - 1] === 0;
      let entries: string[] | undefined;
      raw = {
        get entries() {
          entries ??= bytes.length === 0 ? [] : bytes.toString('utf8', 0, ends ? bytes.length - 1 : bytes.length).split('\0');
          return entries;
        },
        bytes: bytes.length + (ends ? 0 : 1),
        utf8: isUtf8(bytes),
      };
    } catch {
      // No /proc: enumerate process.env instead.
    }
  }
  return raw;
}

// The size of the environment a spawn of `env` would inherit (its bytes as the kernel holds them), if it can inherit one.
export function inheritedEnvironmentBytes(env: NodeJS.ProcessEnv): number | undefined {
  const layer = layerOf(env);
  return layer && layer.base === process.env ? rawEnvironment()?.bytes : undefined;
}

// Whether every entry of `env` reaches a child as it is (no byte lost to UTF-8
// decoding), without listing them where that can be told whole; undefined: unknown.
export function environmentIsUtf8(env: NodeJS.ProcessEnv): boolean | undefined {
  const layer = layerOf(env);
  const base = layer && layer.base === process.env ? rawEnvironment() : undefined;
  if (!layer || !base) return undefined;
  return base.utf8 && ![...layer.changes.values()].some((value) => value?.includes('\uFFFD'));
}

function nameOf(entry: string): string | undefined {
  const eq = entry.indexOf('=', 1);
  return eq < 0 ? undefined : entry.slice(0, eq);
}

// The base's entries in one pass: from the kernel for process.env, else enumerated.
function baseEntries(base: NodeJS.ProcessEnv): string[] | undefined {
  return base === process.env ? rawEnvironment()?.entries : undefined;
}

function materialise(layer: Layer): NodeJS.ProcessEnv {
  if (layer.whole) return layer.whole;
  const whole: NodeJS.ProcessEnv = {};
  const entries = baseEntries(layer.base);
  if (entries) {
    for (const entry of entries) {
      const name = nameOf(entry);
      if (name !== undefined && !Object.hasOwn(whole, name)) whole[name] = entry.slice(name.length + 1);
    }
  } else {
    Object.assign(whole, layer.base);
  }
  for (const [name, value] of layer.changes) {
    if (value === undefined) delete whole[name];
    else whole[name] = value;
  }
  layer.whole = whole;
  return whole;
}

// `base` with `changes` on top (a value of undefined removes the name).
export function layerEnv(base: NodeJS.ProcessEnv, changes: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const under = layerOf(base);
  const layer: Layer = under ? { base: under.base, changes: new Map(under.changes) } : { base, changes: new Map() };
  for (const [name, value] of Object.entries(changes)) layer.changes.set(name, value);
  const target: NodeJS.ProcessEnv = {};
  return new Proxy(target, {
    get(_, key) {
      if (key === LAYER) return layer;
      if (typeof key !== 'string') return undefined;
      return layer.changes.has(key) ? layer.changes.get(key) : layer.base[key];
    },
    has(_, key) {
      if (typeof key !== 'string') return false;
      return layer.changes.has(key) ? layer.changes.get(key) !== undefined : key in layer.base;
    },
    set(_, key, value) {
      if (typeof key !== 'string') return false;
      layer.changes.set(key, String(value));
      layer.exec = undefined;
      if (layer.whole) layer.whole[key] = String(value);
      return true;
    },
    deleteProperty(_, key) {
      if (typeof key !== 'string') return false;
      layer.changes.set(key, undefined);
      layer.exec = undefined;
      if (layer.whole) delete layer.whole[key];
      return true;
    },
    ownKeys() {
      return Reflect.ownKeys(materialise(layer));
    },
    getOwnPropertyDescriptor(_, key) {
      if (typeof key !== 'string') return undefined;
      const whole = materialise(layer);
      return Object.hasOwn(whole, key) ? { value: whole[key], writable: true, enumerable: true, configurable: true } : undefined;
    },
  });
}

// A plain object with every entry (for spawn, which enumerates it: a proxy costs a trap per name).
export function plainEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const layer = layerOf(env);
  return layer ? materialise(layer) : env;
}

// What an exec or spawn is given: `NAME=value` for every entry, with what is
// known of them without another pass (undefined: not known, count them).
export interface ExecEnvironment {
  pairs: string[];
  // UTF-8 bytes of the pairs with their NULs.
  bytes: number | undefined;
  // No pair holds a NUL, and none is too long for exec: the kernel's own
  // entries were accepted by the exec that started this process.
  nulFree: boolean;
  fits: boolean;
}

// Linux's limit for one argument or environment string (MAX_ARG_STRLEN), with its NUL.
export const MAX_EXEC_STRING = 128 * 1024;

const utf8Bytes = (text: string) => Buffer.byteLength(text) + 1;

// The caller's entries as they came (duplicates included) less the changed
// names, then the changes; worked out once per layer. 100,000 entries: the
// caller's list is copied once, and only entries whose first character starts
// a changed name are looked at (slicing each entry's name cost about 20 ms).
export function execEnvironment(env: NodeJS.ProcessEnv): ExecEnvironment {
  const layer = layerOf(env);
  if (layer?.exec) return layer.exec;
  const base = layer && layer.base === process.env ? rawEnvironment() : undefined;
  if (!layer || !base) {
    const pairs: string[] = [];
    for (const [key, value] of Object.entries(env)) if (typeof value === 'string') pairs.push(`${key}=${value}`);
    return { pairs, bytes: undefined, nulFree: false, fits: false };
  }
  const firsts = new Set([...layer.changes.keys()].map((name) => name.charCodeAt(0)));
  let pairs = base.entries;
  let bytes = base.bytes;
  let copied = false;
  for (let i = 0; i < pairs.length; i++) {
    const entry = pairs[i]!;
    if (!firsts.has(entry.charCodeAt(0))) continue;
    const name = nameOf(entry);
    if (name === undefined || !layer.changes.has(name)) continue;
    if (!copied) {
      pairs = pairs.slice();
      copied = true;
    }
    bytes -= utf8Bytes(entry);
    pairs.splice(i--, 1);
  }
  // An entry without a `=` (a raw environment may hold one) passes as it came, as to the bare compiler.
  if (!copied) pairs = pairs.slice();
  let nulFree = true;
  let fits = true;
  for (const [name, value] of layer.changes) {
    if (value === undefined) continue;
    const pair = `${name}=${value}`;
    pairs.push(pair);
    bytes += utf8Bytes(pair);
    if (pair.includes('\0')) nulFree = false;
    // A UTF-16 unit is at most 3 UTF-8 bytes; exec-size.ts counts one that may be too long.
    if (pair.length * 3 >= MAX_EXEC_STRING) fits = false;
  }
  layer.exec = { pairs, bytes, nulFree, fits };
  return layer.exec;
}

// The changes of a layer over this process's own environment (the only base
// a spawn can inherit from), or undefined for any other environment.
export function changesOverProcessEnv(env: NodeJS.ProcessEnv): ReadonlyMap<string, string | undefined> | undefined {
  const layer = layerOf(env);
  return layer && layer.base === process.env ? layer.changes : undefined;
}
