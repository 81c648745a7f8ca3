import { accessSync, closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

// Whether the kernel would start a file, asked before process.execve, which
// aborts the whole process (a stack trace, exit 134) when exec fails, and
// before spawn, whose fallback runs an unrecognised file with /bin/sh (exit
// 127). Follows what execve(2) needs: an ELF for this machine whose loader
// (PT_INTERP) exists, or a `#!` script whose interpreter would start in turn.

// Linux follows at most this many `#!` interpreters before giving up (ELOOP).
const MAX_INTERPRETER_DEPTH = 4;
const PT_INTERP = 3;
// e_machine of the ELF programs this process could run, by process.arch.
const MACHINES: Partial<Record<string, number[]>> = { x64: [62, 3], ia32: [3], arm64: [183, 40], arm: [40], riscv64: [243], ppc64: [21], s390x: [22] };

// macOS programs (thin and universal): the loader check is Linux's concern only.
const MACH_O_MAGICS = [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe];

function readAt(fd: number, length: number, position: number): Buffer {
  const buffer = Buffer.alloc(length);
  return buffer.subarray(0, readSync(fd, buffer, 0, length, position));
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function elfProblem(fd: number, head: Buffer, depth: number): string | undefined {
  const is64 = head[4] === 2;
  if (head[5] !== 1) return 'it is a big-endian ELF';
  const machine = head.readUInt16LE(18);
  const ours = MACHINES[process.arch];
  if (ours && !ours.includes(machine)) return `it is an ELF for another machine (e_machine ${machine})`;
  const phoff = is64 ? Number(head.readBigUInt64LE(32)) : head.readUInt32LE(28);
  const phentsize = head.readUInt16LE(is64 ? 54 : 42);
  const phnum = head.readUInt16LE(is64 ? 56 : 44);
  const table = readAt(fd, phentsize * phnum, phoff);
  for (let at = 0; at + phentsize <= table.length; at += phentsize) {
    if (table.readUInt32LE(at) !== PT_INTERP) continue;
    const offset = is64 ? Number(table.readBigUInt64LE(at + 8)) : table.readUInt32LE(at + 4);
    const size = is64 ? Number(table.readBigUInt64LE(at + 32)) : table.readUInt32LE(at + 16);
    const loader = readAt(fd, Math.min(size, 4096), offset).toString('utf8').replace(/\0.*$/s, '');
    const problem = whyCannotStart(loader, depth + 1);
    return problem && `its ELF loader ${loader} cannot start: ${problem}`;
  }
  return undefined;
}

function scriptProblem(head: Buffer, depth: number): string | undefined {
  const line = head.toString('latin1', 2, head.indexOf(0x0a) < 0 ? head.length : head.indexOf(0x0a));
  const interpreter = line.trim().split(/[ \t]/)[0] ?? '';
  if (!interpreter) return 'its #! line names no interpreter';
  if (depth >= MAX_INTERPRETER_DEPTH) return 'its #! interpreters nest too deep';
  const problem = whyCannotStart(interpreter, depth + 1);
  return problem && `its #! interpreter ${interpreter} cannot start: ${problem}`;
}

// undefined: execve would start it. Otherwise why not, for the log.
export function whyCannotStart(file: string, depth = 0): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    if (!fstatSync(fd).isFile()) return 'it is not a regular file';
    if (!isExecutable(file)) return 'it is not executable';
    const head = readAt(fd, 256, 0);
    if (head.length >= 52 && head.readUInt32BE(0) === 0x7f454c46) return elfProblem(fd, head, depth);
    if (head.length >= 2 && head[0] === 0x23 && head[1] === 0x21) return scriptProblem(head, depth);
    if (head.length >= 4 && MACH_O_MAGICS.includes(head.readUInt32BE(0))) return undefined;
    return 'it is neither an ELF program nor a #! script';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (error as Error).message;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
