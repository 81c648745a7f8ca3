// MD5 (RFC 1321) of a few hundred bytes (or a source file's), in plain
// JavaScript: the per-object -cuid (hip-rules/cuid.ts) is the first 16 hex
// digits of an MD5, and under a base dir it counts the input's bytes by
// their MD5 (cuid-input.ts);
// loading node:crypto for it cost about 3 ms per HIP compile (Node evaluates
// some 30 internal modules on first use), more than the rest of the
// launcher's own work. Not for secrets: the id is a name, not a proof.

// The per-round shifts and the constants floor(abs(sin(i + 1)) * 2^32).
const SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const K = new Int32Array(64);
for (let i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0;

function block(state: Int32Array, words: Int32Array): void {
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  for (let i = 0; i < 64; i++) {
    const round = i >> 4;
    let f: number;
    let g: number;
    if (round === 0) {
      f = (b & c) | (~b & d);
      g = i;
    } else if (round === 1) {
      f = (d & b) | (~d & c);
      g = (5 * i + 1) & 15;
    } else if (round === 2) {
      f = b ^ c ^ d;
      g = (3 * i + 5) & 15;
    } else {
      f = c ^ (b | ~d);
      g = (7 * i) & 15;
    }
    const sum = (a + f + K[i]! + words[g]!) | 0;
    const s = SHIFTS[(round << 2) | (i & 3)]!;
    a = d;
    d = c;
    c = b;
    b = (b + ((sum << s) | (sum >>> (32 - s)))) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
}

// MD5 over data given in pieces (a source file read in chunks), so a large
// input is never held whole: update() any number of times, then hex() once.
export class Md5 {
  private readonly state = Int32Array.of(0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476);
  private readonly words = new Int32Array(16);
  // The bytes of a block not yet complete, and how many of them are filled.
  private readonly pending = new Uint8Array(64);
  private filled = 0;
  private length = 0;

  update(data: Uint8Array): this {
    this.length += data.length;
    let at = 0;
    if (this.filled > 0) {
      const take = Math.min(64 - this.filled, data.length);
      this.pending.set(data.subarray(0, take), this.filled);
      this.filled += take;
      at = take;
      if (this.filled < 64) return this;
      this.blockAt(this.pending, 0);
      this.filled = 0;
    }
    for (; at + 64 <= data.length; at += 64) this.blockAt(data, at);
    this.pending.set(data.subarray(at), 0);
    this.filled = data.length - at;
    return this;
  }

  hex(): string {
    // The padding: 0x80, zeros up to 56 mod 64, then the length in bits, little-endian.
    const tail = new Uint8Array(this.filled < 56 ? 64 : 128);
    tail.set(this.pending.subarray(0, this.filled));
    tail[this.filled] = 0x80;
    const view = new DataView(tail.buffer);
    view.setUint32(tail.length - 8, (this.length * 8) >>> 0, true);
    view.setUint32(tail.length - 4, Math.floor(this.length / 0x20000000), true);
    for (let at = 0; at < tail.length; at += 64) this.blockAt(tail, at);
    let hex = '';
    for (let i = 0; i < 4; i++) {
      const v = this.state[i]!;
      for (let byte = 0; byte < 4; byte++) hex += ((v >>> (byte * 8)) & 0xff).toString(16).padStart(2, '0');
    }
    return hex;
  }

  private blockAt(data: Uint8Array, at: number): void {
    const words = this.words;
    for (let w = 0, b = at; w < 16; w++, b += 4) words[w] = data[b]! | (data[b + 1]! << 8) | (data[b + 2]! << 16) | (data[b + 3]! << 24);
    block(this.state, words);
  }
}

// The hex digest of `data`, as node:crypto's createHash('md5').update(data).digest('hex').
export function md5Hex(data: Uint8Array): string {
  return new Md5().update(data).hex();
}
