import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv } from '../helpers/run-built.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { repoRoot } from '../helpers/tools.js';

// Every ```sh block of the README runs as written, in order, in one bash
// session, as a newcomer pastes them into a fresh shell in the checkout
// after `npm run build`: a false example fails CI. A block that cannot run
// as written (a synopsis with <placeholders>, the suite itself) is marked on
// the line just above its fence:
//   <!-- readme-test: skip: <why> -->
// and the reason is required. The session is the reader's own, made private:
// HOME, TMPDIR and npm's global prefix and cache in a scratch directory (so
// ~/.local/bin, ccache's directory and `npm install -g` land there), no
// variable of ours or of the caches inherited, npm offline with its scripts
// off (the bundles are built; `prepack` would rebuild them under the running
// tests).

interface Block {
  line: number;
  text: string;
  skip: string | undefined;
}

const SKIP = /^<!-- readme-test: skip: (.+\S) -->$/;

function readmeShellBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash|shell)\s*$/.test(lines[i]!)) {
      // Skip over other fences whole, so their contents are never read as fences.
      if (/^```/.test(lines[i]!)) while (++i < lines.length && !/^```\s*$/.test(lines[i]!));
      continue;
    }
    const start = i;
    const body: string[] = [];
    while (++i < lines.length && !/^```\s*$/.test(lines[i]!)) body.push(lines[i]!);
    const above = lines[start - 1] ?? '';
    if (/readme-test/.test(above) && !SKIP.test(above)) throw new Error(`README.md line ${start}: malformed marker ${above}; write <!-- readme-test: skip: <why> -->`);
    blocks.push({ line: start + 1, text: body.join('\n'), skip: SKIP.exec(above)?.[1] });
  }
  return blocks;
}

describe('the README: every shell block runs as written (built executable)', () => {
  const blocks = readmeShellBlocks(readFileSync(join(repoRoot, 'README.md'), 'utf8'));

  it('finds the blocks, and each skipped one says why', () => {
    expect(blocks.filter((b) => !b.skip).length).toBeGreaterThanOrEqual(5);
    for (const b of blocks.filter((x) => x.skip)) expect(b.skip!.length, `line ${b.line}`).toBeGreaterThan(10);
  });

  it('runs every unmarked block in order in one shell, each to exit 0', () => {
    const scratch = makeTempDir('hcl-readme-');
    const home = join(scratch, 'home');
    const tmp = join(scratch, 'tmp');
    mkdirSync(home);
    mkdirSync(tmp);
    const before = new Set(readdirSync(repoRoot));
    // Each block announces itself on stderr, so a failure names the block it was in.
    const script = blocks
      .filter((b) => !b.skip)
      .map((b) => `echo "readme-test: block at README.md line ${b.line}" >&2\n${b.text}\n`)
      .join('');
    const env = cleanEnv({
      HOME: home,
      TMPDIR: tmp,
      PATH: '/usr/local/bin:/usr/bin:/bin',
      npm_config_prefix: join(scratch, 'npm-global'),
      npm_config_cache: join(scratch, 'npm-cache'),
      npm_config_offline: 'true',
      npm_config_ignore_scripts: 'true',
      npm_config_update_notifier: 'false',
      XDG_CACHE_HOME: undefined,
      XDG_CONFIG_HOME: undefined,
      HIP_PLATFORM: undefined,
      HIP_CLANG_PATH: undefined,
      HIP_PATH: undefined,
      ROCM_PATH: undefined,
      DEVICE_LIB_PATH: undefined,
      HCL_TOOLS: undefined,
    });
    try {
      const r = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: repoRoot, env, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 });
      const lastBlock = [...r.stderr.matchAll(/^readme-test: block at (README\.md line \d+)$/gm)].pop()?.[1];
      expect(r.status, `failed in ${lastBlock}:\n${r.stderr.slice(-3000)}`).toBe(0);
      // What the blocks claim, where the output can show it: the launcher's version; in ccache (the
      // session's own, under HOME) a miss then a hit for "First compile", and the same for Route 2's hipcc.
      // A miss counts three times: the whole call, then its device (gfx90a) and host parts, which the
      // split (on by default) stores on the whole call's miss; a hit is the whole call's entry alone.
      expect(r.stdout).toMatch(/^0\.\d+\.\d+$/m);
      const stats = spawnSync('ccache', ['--print-stats'], { env, encoding: 'utf8' }).stdout;
      const counter = (name: string) => Number(new RegExp(`^${name}\t(\\d+)$`, 'm').exec(stats)?.[1] ?? NaN);
      expect({ hits: counter('direct_cache_hit') + counter('preprocessed_cache_hit'), misses: counter('cache_miss') }, stats).toEqual({ hits: 2, misses: 6 });
    } finally {
      // `npm pack` writes its tarball into the checkout, as it does for a reader: removed again.
      for (const name of readdirSync(repoRoot)) if (!before.has(name) && /^hip-clang-launcher-.*\.tgz$/.test(name)) rmSync(join(repoRoot, name));
    }
  }, 600_000);
});
