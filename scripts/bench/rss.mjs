import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';

// Resident memory of a process tree over time, read from /proc every few
// milliseconds. "Added" is what the tree holds beyond the compiler itself
// while the compiler is alive: with execve the launcher's pid has become the
// compiler, so nothing else is left in the tree.

const SAMPLE_EVERY_MS = 5;

// `compilerFiles`: the inodes of the compiler's executable (the shim renames it, so names will not do).
export function sampleTreeRss(command, compilerFiles) {
  return new Promise((resolve, reject) => {
    const child = spawn(command.file, command.args, { env: command.env, cwd: command.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const seen = { samples: 0, whileCompiling: 0, addedKiB: 0, treeKiB: 0, compilerKiB: 0, treeProcesses: 0 };
    const tick = () => {
      const procs = processTree(child.pid);
      const total = procs.reduce((sum, p) => sum + p.rssKiB, 0);
      seen.samples++;
      seen.treeKiB = Math.max(seen.treeKiB, total);
      const compilers = procs.filter((p) => compilerFiles.has(exeInode(p.pid)));
      if (compilers.length === 0) return;
      const own = compilers.reduce((sum, p) => sum + p.rssKiB, 0);
      seen.whileCompiling++;
      seen.compilerKiB = Math.max(seen.compilerKiB, own);
      seen.addedKiB = Math.max(seen.addedKiB, total - own);
      seen.treeProcesses = Math.max(seen.treeProcesses, procs.length);
    };
    const timer = setInterval(tick, SAMPLE_EVERY_MS);
    child.once('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearInterval(timer);
      if (code !== 0) return reject(new Error(`${signal ?? `exit ${code}`}: ${stderr.trim().split('\n')[0] ?? ''}`));
      if (seen.whileCompiling < 10) return reject(new Error(`the compiler was seen in only ${seen.whileCompiling} of ${seen.samples} samples`));
      resolve(seen);
    });
  });
}

function processTree(pid) {
  const status = readStatus(pid);
  if (!status) return [];
  const out = [status];
  for (const child of readChildren(pid)) out.push(...processTree(child));
  return out;
}

function readStatus(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const name = /^Name:\s*(.*)$/m.exec(text)?.[1] ?? '';
    const rssKiB = Number(/^VmRSS:\s*(\d+)/m.exec(text)?.[1] ?? 0);
    return { pid, name, rssKiB };
  } catch {
    return undefined; // gone between two reads
  }
}

function exeInode(pid) {
  try {
    return statSync(`/proc/${pid}/exe`).ino;
  } catch {
    return undefined;
  }
}

function readChildren(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
