import { statSync } from 'node:fs';
import { pathModuleFor, type Host } from '../host.js';
import type { ParsedCall } from './parse-call.js';

// Whether the files a call writes are regular files, for the rules (which do
// no I/O). `-` is stdout; a path that exists and is not a regular file (once
// links are followed: /dev/null, /dev/stdout, a FIFO, a directory) is not
// one either. A path that does not exist yet will be made a regular file.
// One stat per named output; nothing for a call that names none.

export type OutputKind = 'regular' | 'not-a-file';

export interface OutputKinds {
  // -o's value; undefined when the call names none.
  object: OutputKind | undefined;
  // -MF's value; undefined when the call names none.
  depfile: OutputKind | undefined;
}

export function kindOfOutput(path: string, host: Host): OutputKind {
  if (path === '-') return 'not-a-file';
  const st = statSync(pathModuleFor(host.platform).resolve(host.cwd, path), { throwIfNoEntry: false });
  return st === undefined || st.isFile() ? 'regular' : 'not-a-file';
}

export function outputKindsOf(call: ParsedCall, host: Host): OutputKinds {
  const kind = (path: string | undefined) => {
    if (path === undefined) return undefined;
    try {
      return kindOfOutput(path, host);
    } catch {
      // A path that cannot be looked at (a dangling link loop, no permission): the compiler will say.
      return 'not-a-file';
    }
  };
  return { object: kind(call.output), depfile: kind(call.depfileOutput) };
}
