// MD5 (RFC 1321) of a few hundred bytes, in plain JavaScript: the per-object
// -cuid (hip-rules/cuid.ts) is the first 16 hex digits of an MD5, and
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

// The hex digest of `data`, as node:crypto's createHash('md5').update(data).digest('hex').
export function md5Hex(data: Uint8Array): string {
  const padded = new Uint8Array((((data.length + 8) >> 6) + 1) << 6);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  // The length in bits, little-endian, in the last 8 bytes.
  view.setUint32(padded.length - 8, (data.length * 8) >>> 0, true);
  view.setUint32(padded.length - 4, Math.floor(data.length / 0x20000000), true);
  const state = Int32Array.of(0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476);
  const words = new Int32Array(16);
  for (let at = 0; at < padded.length; at += 64) {
    for (let w = 0; w < 16; w++) words[w] = view.getInt32(at + w * 4, true);
    block(state, words);
  }
  let hex = '';
  for (let i = 0; i < 4; i++) {
    const v = state[i]!;
    for (let byte = 0; byte < 4; byte++) hex += ((v >>> (byte * 8)) & 0xff).toString(16).padStart(2, '0');
  }
  return hex;
}
