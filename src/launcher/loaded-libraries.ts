import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { posix } from 'node:path';

// The shared libraries an ELF program loads, found as the dynamic loader
// finds them (ld.so(8)), read in-process from the files themselves: no ldd,
// no program run. Debian's clang-15 loads libLLVM-15.so.1 from
// /lib/<triplet> through ld.so.cache, not from <bin>/../lib, and a toolchain
// digest that missed it would hide an upgrade of the code that compiles.
//
// For each object, breadth first from the program (the loader's order), each
// DT_NEEDED name is looked up in: the object's DT_RPATH and then the
// program's (only where the object has no DT_RUNPATH), LD_LIBRARY_PATH, the
// object's DT_RUNPATH, ld.so.cache, then the default directories. A name
// already loaded (by name or soname) is not looked up again; a file of
// another ELF class or machine is skipped, as the loader skips it. $ORIGIN is
// expanded; an entry with $LIB or $PLATFORM is skipped (no compiler uses them).

export const LD_SO_CACHE = '/etc/ld.so.cache';
const CACHE_MAGIC = 'glibc-ld.so.cache1.1';
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_SONAME = 14;
const DT_RPATH = 15;
const DT_RUNPATH = 29;
const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
// More would be a loop or a hostile file: a compiler loads a few dozen.
const MAX_OBJECTS = 512;
const MAX_HEADER_BYTES = 1 << 20;

interface ElfObject {
  // class (32/64) and machine: a library must match the program.
  kind: string;
  needed: string[];
  soname: string | undefined;
  rpath: string[] | undefined;
  runpath: string[] | undefined;
  interp: string | undefined;
}

function readAt(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

// undefined: not an ELF file (a script, another format). Throws when the file cannot be read.
export function readElf(file: string): ElfObject | undefined {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = readAt(fd, 64, 0);
    if (head.length < 52 || head.readUInt32BE(0) !== 0x7f454c46) return undefined;
    const is64 = head[4] === 2;
    const le = head[5] === 1;
    const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const addr = (b: Buffer, o: number) => (is64 ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(b, o));
    const machine = u16(head, 18);
    const phoff = addr(head, is64 ? 32 : 28);
    const phentsize = u16(head, is64 ? 54 : 42);
    const phnum = u16(head, is64 ? 56 : 44);
    if (phentsize * phnum > MAX_HEADER_BYTES) throw new Error(`${file}: implausible program headers`);
    const ph = readAt(fd, phentsize * phnum, phoff);
    const loads: { vaddr: number; offset: number; filesz: number }[] = [];
    let dynamic: { offset: number; size: number } | undefined;
    let interp: string | undefined;
    for (let i = 0; i < phnum; i++) {
      const o = i * phentsize;
      if (o + phentsize > ph.length) break;
      const type = u32(ph, o);
      const offset = addr(ph, is64 ? o + 8 : o + 4);
      const vaddr = addr(ph, is64 ? o + 16 : o + 8);
      const filesz = addr(ph, is64 ? o + 32 : o + 16);
      if (type === PT_LOAD) loads.push({ vaddr, offset, filesz });
      else if (type === PT_DYNAMIC) dynamic = { offset, size: filesz };
      else if (type === PT_INTERP && filesz < 4096) interp = readAt(fd, filesz, offset).toString('latin1').replace(/\0.*$/s, '');
    }
    const kind = `${is64 ? 64 : 32}-${le ? 'le' : 'be'}-${machine}`;
    if (!dynamic) return { kind, needed: [], soname: undefined, rpath: undefined, runpath: undefined, interp };
    if (dynamic.size > MAX_HEADER_BYTES || dynamic.offset + dynamic.size > size) throw new Error(`${file}: implausible dynamic section`);
    const dyn = readAt(fd, dynamic.size, dynamic.offset);
    const entry = is64 ? 16 : 8;
    const entries: [number, number][] = [];
    let strtab: number | undefined;
    for (let o = 0; o + entry <= dyn.length; o += entry) {
      const tag = addr(dyn, o);
      const value = addr(dyn, o + entry / 2);
      if (tag === 0) break;
      if (tag === DT_STRTAB) strtab = value;
      else if (tag === DT_NEEDED || tag === DT_SONAME || tag === DT_RPATH || tag === DT_RUNPATH) entries.push([tag, value]);
    }
    if (entries.length === 0) return { kind, needed: [], soname: undefined, rpath: undefined, runpath: undefined, interp };
    // DT_STRTAB is an address: the PT_LOAD segment holding it gives its place in the file.
    const segment = strtab === undefined ? undefined : loads.find((l) => strtab! >= l.vaddr && strtab! < l.vaddr + l.filesz);
    if (strtab === undefined || !segment) throw new Error(`${file}: no string table for its dynamic section`);
    const strOffset = segment.offset + (strtab - segment.vaddr);
    const string = (at: number): string => {
      const chunk = readAt(fd, 4096, strOffset + at);
      const end = chunk.indexOf(0);
      if (end < 0) throw new Error(`${file}: unterminated dynamic string`);
      return chunk.toString('utf8', 0, end);
    };
    const object: ElfObject = { kind, needed: [], soname: undefined, rpath: undefined, runpath: undefined, interp };
    for (const [tag, value] of entries) {
      const text = string(value);
      if (tag === DT_NEEDED) object.needed.push(text);
      else if (tag === DT_SONAME) object.soname = text;
      else if (tag === DT_RPATH) object.rpath = text.split(':');
      else object.runpath = text.split(':');
    }
    return object;
  } finally {
    closeSync(fd);
  }
}

// name -> paths, in the cache's own order (the loader takes the first that fits).
export function readLdSoCache(file = LD_SO_CACHE): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  let data: Buffer;
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      data = readAt(fd, Math.min(size, 64 << 20), 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return byName;
  }
  // Only the current format (glibc 2.32+ writes nothing else); an older cache leaves the default directories.
  if (data.length < 48 || data.toString('latin1', 0, CACHE_MAGIC.length) !== CACHE_MAGIC) return byName;
  const nlibs = data.readUInt32LE(20);
  const text = (at: number) => {
    const end = data.indexOf(0, at);
    return end < 0 ? undefined : data.toString('utf8', at, end);
  };
  for (let i = 0; i < nlibs && 48 + (i + 1) * 24 <= data.length; i++) {
    const o = 48 + i * 24;
    const name = text(data.readUInt32LE(o + 4));
    const path = text(data.readUInt32LE(o + 8));
    if (!name || !path) continue;
    const list = byName.get(name);
    if (list) list.push(path);
    else byName.set(name, [path]);
  }
  return byName;
}

function defaultDirs(): string[] {
  const triplet = process.arch === 'arm64' ? 'aarch64-linux-gnu' : process.arch === 'x64' ? 'x86_64-linux-gnu' : undefined;
  const multiarch = triplet ? [`/lib/${triplet}`, `/usr/lib/${triplet}`] : [];
  return [...multiarch, '/lib64', '/usr/lib64', '/lib', '/usr/lib'];
}

function expand(dirs: readonly string[] | undefined, origin: string): string[] {
  return (dirs ?? [])
    .filter((d) => d !== '' && !/\$\{?(LIB|PLATFORM)\b/.test(d))
    .map((d) => d.replace(/\$\{ORIGIN\}|\$ORIGIN/g, origin));
}

export interface LoadedLibraries {
  // Real paths of every object loaded besides the program, the loader included.
  files: string[];
}

// undefined: a needed library cannot be found or read (the loader would fail
// too), or the program is not ELF. `libraryPath` is LD_LIBRARY_PATH.
export function loadedLibraries(program: string, libraryPath: string | undefined, cache: () => Map<string, string[]> = readLdSoCache): LoadedLibraries | undefined {
  const main = readElf(program);
  if (!main) return undefined;
  const envDirs = (libraryPath ?? '').split(/[:;]/).filter((d) => posix.isAbsolute(d));
  const loadedByName = new Map<string, string>();
  const files: string[] = [];
  const seen = new Set<string>([program]);
  let ldCache: Map<string, string[]> | undefined;
  const queue: { file: string; object: ElfObject }[] = [{ file: program, object: main }];
  const fits = (candidate: string): ElfObject | undefined => {
    try {
      const object = readElf(candidate);
      return object && object.kind === main.kind ? object : undefined;
    } catch {
      return undefined;
    }
  };
  const add = (path: string, object: ElfObject): void => {
    const real = realpathSync.native(path);
    if (seen.has(real)) return;
    seen.add(real);
    files.push(real);
    if (files.length > MAX_OBJECTS) throw new Error('too many libraries');
    queue.push({ file: path, object });
  };
  try {
    if (main.interp) {
      const interp = fits(main.interp);
      if (!interp) return undefined;
      add(main.interp, interp);
    }
    for (let i = 0; i < queue.length; i++) {
      const { file, object } = queue[i]!;
      const origin = posix.dirname(i === 0 ? realpathSync.native(file) : file);
      for (const name of object.needed) {
        if (loadedByName.has(name)) continue;
        let found: string | undefined;
        let foundObject: ElfObject | undefined;
        const tryPath = (path: string) => {
          if (found) return;
          const o = fits(path);
          if (o) [found, foundObject] = [path, o];
        };
        if (name.includes('/')) tryPath(name);
        else {
          const rpath = object.runpath ? [] : [...expand(object.rpath, origin), ...(main.runpath ? [] : expand(main.rpath, posix.dirname(realpathSync.native(program))))];
          for (const dir of [...rpath, ...envDirs, ...expand(object.runpath, origin)]) tryPath(posix.join(dir, name));
          if (!found) for (const path of (ldCache ??= cache()).get(name) ?? []) tryPath(path);
          if (!found) for (const dir of defaultDirs()) tryPath(posix.join(dir, name));
        }
        if (!found || !foundObject) return undefined;
        loadedByName.set(name, found);
        if (foundObject.soname) loadedByName.set(foundObject.soname, found);
        add(found, foundObject);
      }
    }
  } catch {
    return undefined;
  }
  return { files };
}
