import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

// An llvm directory `from` at `to`, for the shim to be installed into without
// touching the system (the tests' trees, the bench's, the demo's in shell):
// bin/ hard-linked file by file (`cp -al`), so renaming within it never
// touches the system's files, and every other entry (lib/ with clang's
// headers, libexec/, share/, ...) a symlink to `from`'s, whose text `inside`
// gives (by default its path here; a tree for the sid lab gives the path the
// lab sees). Not `cp -al` of it all: a new hard link, and its removal, moves
// the ctime of the file it links, and a ccache compile that reads a header
// whose ctime is newer than its own start keeps nothing and even runs the
// compiler a second time ("modified_input_file"): so went every compile
// through ccache that read clang's headers anywhere on the machine while such
// a tree was made or removed (the lab's rocPRIM test saw a hit in a cold
// build: its split parts stored, then run again). Only bin/ gets new links.
export function linkLlvmTree(from, to, inside = (path) => path) {
  mkdirSync(to);
  for (const entry of readdirSync(from).sort()) {
    if (entry === 'bin') execFileSync('cp', ['-al', join(from, 'bin'), join(to, 'bin')], { stdio: ['ignore', 'ignore', 'pipe'] });
    else symlinkSync(inside(join(from, entry)), join(to, entry));
  }
}
