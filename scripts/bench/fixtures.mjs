import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The small programs the cases run: built or written into the bench's work
// directory at bench time, never committed as binaries.

const programs = join(dirname(fileURLToPath(import.meta.url)), 'programs');

// A case directory holding one of the C "compilers" and an input for it,
// and a maker of compile-shaped calls (`<prefix...> -c x.c`) run there.
export function compilerWorkspace(dir, name, env) {
  mkdirSync(dir, { recursive: true });
  const compiler = compileC(name, dir);
  writeFileSync(join(dir, 'x.c'), 'int x;\n');
  const call = (file, args = [], extra = {}) => ({ file, args: [...args, '-c', 'x.c'], env: { ...env, ...extra }, cwd: dir });
  return { compiler, call };
}

// The peers every launcher is compared with: nothing in front, a sh exec stub, a python3 exec launcher.
export function peerCases(dir, compiler, call) {
  return [
    { id: 'direct', label: 'compiler called directly', command: () => call(compiler) },
    { id: 'sh-stub', label: '`sh` exec stub (PyTorch / TheRock style)', command: () => call(writeShStub(join(dir, 'sh-stub'), compiler)) },
    { id: 'python', label: 'python3 exec launcher (cuid_launcher.py style)', command: () => call(writePythonLauncher(join(dir, 'exec-launcher.py')), [compiler]) },
  ];
}

export function compileC(name, outDir) {
  const out = join(outDir, name);
  execFileSync('gcc', ['-O2', '-o', out, join(programs, `${name}.c`)]);
  return out;
}

// The PyTorch / TheRock style: a sh script that execs the real program.
export function writeShStub(file, target, prefix = []) {
  const words = [...prefix, target].map(shQuote).join(' ');
  writeExecutable(file, `#!/bin/sh\nexec ${words} "$@"\n`);
  return file;
}

export function writePythonLauncher(file) {
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const header = python.startsWith('/') ? `#!${python}` : '#!/usr/bin/env python3';
  writeExecutable(file, `${header}\n${readFileSync(join(programs, 'exec-launcher.py'), 'utf8')}`);
  return file;
}

export function writeExecutable(file, text) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  chmodSync(file, 0o755);
}

function shQuote(word) {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}
