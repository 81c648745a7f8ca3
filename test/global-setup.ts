import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../src/pid-lock.js';
import { repoRoot } from './helpers/tools.js';

// A run's temporary files, all of them, live in one directory of its own:
// TMPDIR points there for every test file and every program they start
// (clang's own temporaries included), and the directory goes when the run
// ends. A run that is killed cannot clean up after itself, so each run first
// removes the directories of runs whose process is gone. Before this, tests
// removed their own directories in afterAll hooks, which never run in a
// killed run: leftovers filled the disk until the suite failed with
// ENOSPC in whatever test wrote next.
const RUN_PREFIX = 'hcl-test-run-';

// What one full run holds at its peak, with margin (6.3 GiB measured on a
// fresh clone: the executable's copies and the lab's caches). Below this the
// run would fail somewhere in the middle, so it fails here, naming the fix.
const NEEDED_GIB = 8;

// Tests leave directories without write or search permission on purpose
// (read-only state dirs, unreadable device libraries): open them up first.
function removeTree(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
    return;
  } catch {
    // Below: make every directory writable, then try again.
  }
  const open = (d: string): void => {
    try {
      chmodSync(d, 0o700);
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (lstatSync(p).isDirectory()) open(p);
      }
    } catch {
      // What cannot be opened is left to rmSync's error below.
    }
  };
  open(dir);
  rmSync(dir, { recursive: true, force: true });
}

function sweepDeadRuns(base: string): void {
  const uid = process.getuid?.();
  for (const name of readdirSync(base)) {
    const m = new RegExp(`^${RUN_PREFIX}(\\d+)-`).exec(name);
    if (!m) continue;
    const dir = join(base, name);
    try {
      const st = lstatSync(dir);
      // Only a real directory of ours: a planted link or another user's directory is not touched.
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
      if (isAlive(Number(m[1]))) continue;
      removeTree(dir);
    } catch {
      // Gone meanwhile, or not ours to remove.
    }
  }
}

// The suite tests the built executables as users run them: they must exist.
export default function setup(): () => void {
  for (const file of ['dist/linux-x64/hip-clang-launcher', 'dist/win-x64/hip-clang-launcher.exe', 'build/main.cjs']) {
    if (!existsSync(join(repoRoot, file))) throw new Error(`missing ${file}: run 'npm run build' (npm test does it for you)`);
  }
  const base = tmpdir();
  sweepDeadRuns(base);
  const fs = statfsSync(base);
  const freeGiB = (Number(fs.bavail) * Number(fs.bsize)) / 2 ** 30;
  if (freeGiB < NEEDED_GIB) {
    throw new Error(`only ${freeGiB.toFixed(1)} GiB free in ${base}; the suite needs about ${NEEDED_GIB} GiB there: free some space, or set TMPDIR to a directory on a larger disk`);
  }
  const runDir = mkdtempSync(join(base, `${RUN_PREFIX}${process.pid}-`));
  // As /tmp itself: tests run the executable as another user (setpriv), and
  // that user's programs reach their directories and write temporaries here.
  chmodSync(runDir, 0o1777);
  // Read by os.tmpdir() in each test file's process (forked after this) and by every program they run.
  process.env.TMPDIR = runDir;
  return () => {
    process.env.TMPDIR = base;
    removeTree(runDir);
  };
}
