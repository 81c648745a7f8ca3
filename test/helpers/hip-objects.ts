import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './tools.js';

// What VAL an object of test/fixtures/hip/val.hip was compiled with, read from
// its host and device code: an object whose two halves disagree, or lack the
// tag, reads as undefined.
export function valOf(object: string | Buffer): string | undefined {
  const text = (typeof object === 'string' ? readFileSync(object) : object).toString('latin1');
  const host = /hcl-host-val-(\w+)\0/.exec(text)?.[1];
  const device = /hcl-device-val-(\w+)\0/.exec(text)?.[1];
  return host !== undefined && host === device ? host : undefined;
}

// Every .o under dir, by path relative to it.
export function objectsUnder(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.o')) out.set(path.slice(dir.length + 1), readFileSync(path));
    }
  };
  walk(dir);
  return out;
}

// test/fixtures/hip-project: kernels in two files, RDC device code split over
// two more, and a main that checks every kernel was linked in.
const project = join(repoRoot, 'test/fixtures/hip-project');

// Copies the project into dir; `.cpp` names its HIP files as a CXX project (hipcc compiles .cpp as HIP) would.
export function copyProject(dir: string, ext: '.hip' | '.cpp' = '.hip'): void {
  for (const file of readdirSync(project)) copyFileSync(join(project, file), join(dir, file.replace(/\.hip$/, ext)));
}

// The project as a CXX project whose compiler is hipcc (CMAKE_CXX_COMPILER=hipcc):
// a static library of kernels and the program; `.cpp` sources, which hipcc compiles as HIP.
export function writeHipccCmakeProject(src: string): void {
  mkdirSync(src);
  copyProject(src, '.cpp');
  writeFileSync(
    join(src, 'CMakeLists.txt'),
    [
      'cmake_minimum_required(VERSION 3.21)',
      'project(hcl_hipcc LANGUAGES CXX)',
      'add_library(kernels STATIC scale.cpp offset.cpp)',
      'add_executable(app main.cpp)',
      'target_link_libraries(app kernels)',
      '',
    ].join('\n'),
  );
}
