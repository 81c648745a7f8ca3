import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cuidFor } from '../../src/launcher/hip-rules/cuid.js';
import { Md5, md5Hex } from '../../src/launcher/md5.js';

// The launcher's MD5 (no node:crypto on the hot path) against node:crypto's.
describe('md5Hex', () => {
  it('equals node:crypto for every length across the padding boundaries', () => {
    for (let n = 0; n < 300; n++) {
      const data = Buffer.alloc(n);
      for (let i = 0; i < n; i++) data[i] = (i * 131 + n * 7) & 0xff;
      expect(md5Hex(data), `length ${n}`).toBe(createHash('md5').update(data).digest('hex'));
    }
  });

  it('gives node:crypto\'s digest for data given in pieces of every size, across block boundaries', () => {
    const data = Buffer.alloc(1000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 37 + 11) & 0xff;
    for (const piece of [1, 3, 55, 63, 64, 65, 127, 128, 999]) {
      const md5 = new Md5();
      for (let at = 0; at < data.length; at += piece) md5.update(data.subarray(at, at + piece));
      expect(md5.hex(), `pieces of ${piece}`).toBe(createHash('md5').update(data).digest('hex'));
    }
  });

  it('gives the -cuid that hashing the input and each argument with node:crypto gives (non-ASCII and escaped bytes included)', () => {
    const world = { platform: 'linux' as const, cwd: '/w', settings: { cuid: true, baseDirs: [] } };
    const args = ['-x', 'hip', 'k\u00fc.hip', '-DX="a\uDCFFb"', '-o', '\u{1F600}.o', ''];
    const input = { realPath: '/w/k\u00fc.hip', digest: undefined };
    const hash = createHash('md5').update('hip-clang-launcher cuid 2\0').update(`real:${input.realPath}\0`);
    for (const arg of args) hash.update(arg).update('\0');
    expect(cuidFor(args, world, input)).toBe(hash.digest('hex').slice(0, 16));
  });
});
