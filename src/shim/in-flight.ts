import * as fs from 'node:fs';
import { join } from 'node:path';
import { FAULT_VAR } from './fs-ops.js';
import { SHIM_STEM, shimFileName } from './layout.js';

// A compile that read the manifest before a name went away still runs the
// real compiler by that name: the shim hands `<bin>/clang++-real` to ccache,
// which runs it seconds later. So a name a compile may use is removed only
// once the processes that may still use it have ended: those running this
// bin dir's shim, and those with the name in their argv (the cache, the
// compiler itself, or a link to the name in it), and those whose program is one of the names: a driver
// the shim ran by another name (`clang-21`, argv[0] kept) has only its exe to
// show, and clang re-runs its exe's path for `-cc1` and finds its tools
// beside it. Linux tells through /proc; elsewhere nothing is waited for.

export const IN_FLIGHT_WAIT_MS = 120_000;

// Test hook (fs-ops.ts): `in-flight-wait-ms=N` bounds the wait at N ms, so a
// test meets what a compile that outlasts the real bound meets (its names
// removed while it runs) without waiting two minutes.
function waitBound(env: NodeJS.ProcessEnv): number {
  const m = /^in-flight-wait-ms=(\d+)$/.exec(env[FAULT_VAR] ?? '');
  return m ? Number(m[1]) : IN_FLIGHT_WAIT_MS;
}

const POLL_MS = 50;

function readProc(pid: string, what: 'exe' | 'cmdline'): string | undefined {
  try {
    return what === 'exe' ? fs.readlinkSync(`/proc/${pid}/exe`) : fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1');
  } catch {
    return undefined;
  }
}

// A file, whatever path leads to it: a process in another mount namespace (a
// container, a chroot with its own bind of the tree) shows another path in
// /proc/<pid>/exe, but the same file. A real compiler's name shares its file
// with the name uninstall puts back, so processes running that are waited for
// too: a bounded wait for compiles already running, never a wrong removal.
function fileIdOf(path: string): string | undefined {
  try {
    const st = fs.statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));
const sleepMs = (ms: number) => Atomics.wait(pause, 0, 0, ms);

// A process inside execve, between the switch to its new program and the
// kernel writing that program's arguments, shows the new exe with an empty
// cmdline (a C loop reading both while 300 children exec'd: 2014 such reads,
// Linux 6.18). A shim exec'ing the cache it hands the per-user link to is
// such a process for that moment: read again (bounded) rather than take it
// for one that uses nothing, which the scan skipped and the wait dropped. A
// process already waited for whose arguments still do not show (an exec
// stalled on a loaded machine) is waited for still.
const EXEC_REREADS = 20;
function argsOf(pid: string): string {
  for (let n = 0; ; n += 1) {
    const text = readProc(pid, 'cmdline');
    if (text !== '' || n === EXEC_REREADS) return text ?? '';
    sleepMs(1);
  }
}

// exe first: a shim that execs the cache between the two reads is seen as one or the other.
// `waited`: the process was using a name at the last look.
function uses(pid: string, shimPrefix: string, ids: ReadonlySet<string>, paths: ReadonlySet<string>, waited = false): boolean {
  const exe = readProc(pid, 'exe');
  if (exe === undefined) return false;
  if (exe.startsWith(shimPrefix)) return true;
  // The file a name leads to, not the path: the exe of a name's process under another mount, or a hard link of it.
  const id = fileIdOf(`/proc/${pid}/exe`);
  if (id !== undefined && ids.has(id)) return true;
  const args = argsOf(pid);
  if (args === '') return waited;
  return args.split('\0').some((arg) => paths.has(arg) || (arg.startsWith('/') && paths.has(linkText(pid, arg) ?? '')));
}

// A cache given the shim's per-user link to a name (launcher/cache-name-link.ts) holds the link's path, not the name.
function linkText(pid: string, path: string): string | undefined {
  // Read where the process sees it: in a container or a chroot (the lab) the
  // state directory holding the link is its own, and ours may have no such path.
  for (const where of [`/proc/${pid}/root${path}`, path]) {
    try {
      return fs.readlinkSync(where);
    } catch {
      // not a link there, or not ours to read
    }
  }
  return undefined;
}

// Waits (bounded) until no process that was using `names` of `bin` when asked
// still is. Processes started later resolve the names as they are by then.
// Returns the pids still using them when the wait ran out.
export function waitUntilUnused(bin: string, names: readonly string[], waitMs = waitBound(process.env)): number[] {
  if (process.platform !== 'linux' || names.length === 0) return [];
  let realBin: string;
  try {
    realBin = fs.realpathSync(bin);
  } catch {
    return [];
  }
  const shimPrefix = join(realBin, SHIM_STEM);
  const ids = new Set([shimFileName('linux'), ...names].map((n) => fileIdOf(join(realBin, n))).filter((id) => id !== undefined));
  const paths = new Set(names.flatMap((n) => [join(bin, n), join(realBin, n)]));
  const self = String(process.pid);
  let pending: string[];
  try {
    pending = fs.readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && pid !== self && uses(pid, shimPrefix, ids, paths));
  } catch {
    return [];
  }
  const deadline = Date.now() + waitMs;
  while (pending.length > 0 && Date.now() < deadline) {
    sleepMs(POLL_MS);
    pending = pending.filter((pid) => uses(pid, shimPrefix, ids, paths, true));
  }
  return pending.map(Number);
}
