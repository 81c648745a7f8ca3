import { isUtf8 } from 'node:buffer';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import type * as OsModule from 'node:os';
import { HclError } from '../errors.js';
import { environmentIsUtf8, execEnvironment } from './layered-env.js';

// Node decodes argv and the environment as UTF-8 and turns every byte that is
// not into U+FFFD, so `-DNAME="a\xffb"` would reach the compiler as
// `-DNAME="a\xef\xbf\xbdb"`: a different command, without a word. On Linux the
// kernel keeps the bytes (/proc/self/cmdline, /proc/self/environ); they are
// read only when a U+FFFD shows that decoding may have lost something, so an
// ordinary call pays nothing.
//
// Inside the launcher such a byte is a lone low surrogate U+DC80..U+DCFF
// (Python's "surrogateescape"): no string the OS hands Node can hold one, so
// the mapping is exact both ways, and the argument still reads as itself
// (`-D...`, `x.c`) to the rest of the launcher. Node cannot pass such bytes in
// argv or the environment, so an argument carrying them goes to the cache and
// compiler in a response file (`@file`), which clang, ccache and sccache read;
// the compiler's path, argv[0] and environment entries have no such route and
// stop the call with a one-line error instead.

const ESCAPED_BYTE = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/;

// Only decodeExact makes such strings: until it has, no string needs looking at
// (a call with 100,000 arguments pays nothing).
let escapedAny = false;

export function hasRawBytes(text: string): boolean {
  return escapedAny && ESCAPED_BYTE.test(text);
}

// Length of the well-formed UTF-8 sequence at `i` (RFC 3629), 0 if there is none.
function sequenceLength(b: Buffer, i: number): number {
  const b0 = b[i]!;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const ok1 = b0 === 0xe0 ? cont(1, 0xa0) : b0 === 0xed ? cont(1, 0x80, 0x9f) : cont(1);
    return ok1 && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const ok1 = b0 === 0xf0 ? cont(1, 0x90) : b0 === 0xf4 ? cont(1, 0x80, 0x8f) : cont(1);
    return ok1 && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

export function decodeExact(bytes: Buffer): string {
  let text = '';
  let start = 0;
  for (let i = 0; i < bytes.length; ) {
    const n = sequenceLength(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    text += bytes.toString('utf8', start, i) + String.fromCharCode(0xdc00 + bytes[i]!);
    escapedAny = true;
    start = ++i;
  }
  return text + bytes.toString('utf8', start);
}

export function encodeExact(text: string): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const paired = i > 0 && text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) <= 0xdbff;
    if (c >= 0xdc80 && c <= 0xdcff && !paired) {
      parts.push(Buffer.from(text.slice(start, i), 'utf8'), Buffer.of(c - 0xdc00));
      start = i + 1;
    }
  }
  parts.push(Buffer.from(text.slice(start), 'utf8'));
  return Buffer.concat(parts);
}

// For messages: printable ASCII as is, every other byte as \xNN.
export function showBytes(text: string | Buffer): string {
  const bytes = typeof text === 'string' ? encodeExact(text) : text;
  return [...bytes].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
}

function splitNul(bytes: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  for (let start = 0; start < bytes.length; ) {
    let end = bytes.indexOf(0, start);
    if (end < 0) end = bytes.length;
    parts.push(bytes.subarray(start, end));
    start = end + 1;
  }
  return parts;
}

// process.argv with each argument after the first two (the runtime, and the
// name it was invoked by) exactly as the kernel holds it. The arguments are
// matched from the end: a single executable's runtime adds an argv entry of
// its own in front, plain node shows its script.
export function exactArgv(argv: string[]): string[] {
  if (process.platform !== 'linux' || !argv.some((arg) => arg.includes('\uFFFD'))) return argv;
  const raw = splitNul(readFileSync('/proc/self/cmdline'));
  const count = argv.length - 2;
  const tail = raw.slice(raw.length - count);
  if (count < 0 || tail.length !== count || tail.some((bytes, i) => bytes.toString('utf8') !== argv[i + 2])) {
    throw new HclError('usage', 'an argument is not valid UTF-8 and its exact bytes could not be read from /proc/self/cmdline', 'pass it in a response file (@file)');
  }
  return [...argv.slice(0, 2), ...tail.map(decodeExact)];
}

// An environment entry Node decoded with a loss cannot reach the compiler as
// it was: stop, naming it. A U+FFFD that was really there passes.
export function assertExactEnvironment(env: NodeJS.ProcessEnv): void {
  if (process.platform !== 'linux') return;
  if (environmentIsUtf8(env) ?? !execEnvironment(env).pairs.some((pair) => pair.includes('\uFFFD'))) return;
  for (const entry of splitNul(readFileSync('/proc/self/environ'))) {
    if (isUtf8(entry)) continue;
    const eq = entry.indexOf(0x3d);
    const name = showBytes(eq < 0 ? entry : entry.subarray(0, eq));
    throw new HclError(
      'usage',
      `environment variable ${name} is not valid UTF-8 (${showBytes(entry)}), and the compiler would receive it changed`,
      `unset ${name} or give it a UTF-8 value`,
    );
  }
}

// The argv to run: each argument holding raw bytes replaced by `@<file>`, a
// private response file holding it byte for byte; `remove` deletes them.
export interface ExactArgv {
  argv: string[];
  remove(): void;
}

// GNU response-file quoting, read alike by clang (TokenizeGNUCommandLine),
// ccache and sccache: a backslash before every byte that could separate,
// quote or escape. Bytes of 0x80 and above are taken as they are.
function quoteForResponseFile(bytes: Buffer): Buffer {
  const out: number[] = [];
  for (const b of bytes) {
    const plain = b >= 0x80 || (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || '-_+=.,/:%'.includes(String.fromCharCode(b));
    if (!plain) out.push(0x5c);
    out.push(b);
  }
  return Buffer.from(out);
}

// A program's path (and argv[0]) has no byte-exact route through Node.
export function assertExactPath(file: string, what: string): void {
  if (hasRawBytes(file)) {
    throw new HclError('usage', `the ${what} path ${showBytes(file)} is not valid UTF-8, and it cannot be run by that name byte for byte`, 'give a path that is valid UTF-8 (a symbolic link to it will do)');
  }
}

export function exactArgvFor(file: string, argv: string[]): ExactArgv {
  const none = { argv, remove() {} };
  if (!argv.some(hasRawBytes) && !hasRawBytes(file)) return none;
  assertExactPath(file, 'program');
  assertExactPath(argv[0] ?? '', 'program');
  const os = process.getBuiltinModule('node:os') as typeof OsModule;
  const dir = mkdtempSync(`${os.tmpdir()}/hip-clang-launcher-`);
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    const exact = argv.map((arg, i) => {
      if (i === 0 || !hasRawBytes(arg)) return arg;
      if (arg.startsWith('@')) {
        throw new HclError('usage', `the response file name ${showBytes(arg)} is not valid UTF-8`, 'rename the response file');
      }
      const rsp = `${dir}/${i}.rsp`;
      const fd = openSync(rsp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      try {
        writeSync(fd, quoteForResponseFile(encodeExact(arg)));
      } finally {
        closeSync(fd);
      }
      return `@${rsp}`;
    });
    return { argv: exact, remove };
  } catch (error) {
    remove();
    throw error;
  }
}
