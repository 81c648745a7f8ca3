import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tools } from '../helpers/tools.js';

// Copies of the provisioned hipcc 7.0.2 source in the shapes `patch` accepts,
// and a byte-and-mode snapshot to prove what changed (or that nothing did).

export const pristineHipcc = () => join(tools.hipccSrc, 'amd', 'hipcc');

export function copyHipccDir(dest: string): string {
  cpSync(pristineHipcc(), dest, { recursive: true });
  return dest;
}

// <dest>/amd/hipcc, optionally a git repository with the source committed.
export function makeLlvmProject(dest: string, git = false): string {
  mkdirSync(join(dest, 'amd'), { recursive: true });
  copyHipccDir(join(dest, 'amd', 'hipcc'));
  if (git) {
    gitIn(dest, ['init', '-q']);
    gitIn(dest, ['add', '-A']);
    gitIn(dest, ['commit', '-q', '-m', 'hipcc 7.0.2 from the rocm-llvm orig tarball']);
  }
  return dest;
}

export function gitIn(cwd: string, args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=hcl test', '-c', 'user.email=test@invalid', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

// File modes count too, except against build-hipcc.sh's copies (made under the umask).
export function snapshot(dir: string, modes = true): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (name === '.git') continue;
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.set(relative(dir, p), `${modes ? (st.mode & 0o7777).toString(8) : ''} ${createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 16)}`);
    }
  };
  walk(dir);
  return out;
}
