import { readFileSync } from 'node:fs';

// The compiler's (or cache's) environment as this process's own plus a few
// changes, never copied whole. process.env looks each name up with getenv, a
// scan of the whole environment, and even Object.keys(process.env) is
// quadratic: copying it for the child took 75 s with 100,000 variables (0.8 s
// for the names alone with 30,000). A layer answers lookups from its changes,
// then its base; `envPairs` gives the `NAME=value` list for an exec in one
// pass over /proc/self/environ (on Linux, when the base is process.env, which
// nothing here changes), so the caller's entries pass as they were. Anything
// that enumerates a layer (spawn, Object.entries) sees it materialised once.

const LAYER = Symbol('hip-clang-launcher environment layer');

interface Layer {
  base: NodeJS.ProcessEnv;
  // `undefined`: removed.
  changes: Map<string, string | undefined>;
  whole?: NodeJS.ProcessEnv;
}

function layerOf(env: NodeJS.ProcessEnv): Layer | undefined {
  return (env as { [LAYER]?: Layer })[LAYER];
}

let raw: string[] | undefined | null = null;
// This process's environment as the kernel holds it, entry by entry (Linux), read once.
function rawEnvironment(): string[] | undefined {
  if (raw !== null) return raw;
  raw = undefined;
  if (process.platform === 'linux') {
    try {
      const text = readFileSync('/proc/self/environ', 'utf8');
      raw = text === '' ? [] : text.slice(0, text.endsWith('\0') ? -1 : undefined).split('\0');
    } catch {
      // No /proc: enumerate process.env instead.
    }
  }
  return raw;
}

function nameOf(entry: string): string | undefined {
  const eq = entry.indexOf('=', 1);
  return eq < 0 ? undefined : entry.slice(0, eq);
}

// The base's entries in one pass: from the kernel for process.env, else enumerated.
function baseEntries(base: NodeJS.ProcessEnv): string[] | undefined {
  return base === process.env ? rawEnvironment() : undefined;
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
      if (layer.whole) layer.whole[key] = String(value);
      return true;
    },
    deleteProperty(_, key) {
      if (typeof key !== 'string') return false;
      layer.changes.set(key, undefined);
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

// `NAME=value` for every entry, in one pass: the caller's entries as they
// came (duplicates included) less the changed names, then the changes.
export function envPairs(env: NodeJS.ProcessEnv): string[] {
  const layer = layerOf(env);
  const entries = layer && baseEntries(layer.base);
  if (!layer || !entries) {
    const pairs: string[] = [];
    for (const [key, value] of Object.entries(env)) if (typeof value === 'string') pairs.push(`${key}=${value}`);
    return pairs;
  }
  const pairs = entries.filter((entry) => {
    const name = nameOf(entry);
    return name !== undefined && !layer.changes.has(name);
  });
  for (const [name, value] of layer.changes) if (value !== undefined) pairs.push(`${name}=${value}`);
  return pairs;
}
