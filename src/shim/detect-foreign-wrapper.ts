import * as fs from 'node:fs';
import { basename, join } from 'node:path';
import { SHIM_STEM } from './layout.js';
import { entryTypeOf } from './inspect-entry.js';

// Trees already wrapped by another tool, which install must refuse rather
// than wrap a wrapper (and lose the real compiler's name for good):
// - TheRock's setup_sccache_rocm.py: sh wrappers, originals in backup_for_sccache/;
// - PyTorch CI's install_cache.sh: sh wrappers, originals moved to original/;
// - any other script standing in for clang, and ccache/sccache masquerade links;
// - a hip-clang-launcher shim that this bin dir's manifest does not own.

export interface ForeignWrapper {
  found: string;
  advice: string;
}

const THEROCK_BACKUP = 'backup_for_sccache';
const PYTORCH_ORIGINALS = 'original';

function firstLine(path: string): string | undefined {
  const fd = fs.openSync(path, 'r');
  try {
    const head = Buffer.alloc(512);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    const text = head.toString('latin1', 0, n);
    return text.startsWith('#!') ? text : undefined;
  } finally {
    fs.closeSync(fd);
  }
}

export function detectForeignWrapper(bin: string, names: readonly string[], ownsShim: (name: string) => boolean): ForeignWrapper | undefined {
  if (fs.existsSync(join(bin, THEROCK_BACKUP))) {
    return {
      found: `${join(bin, THEROCK_BACKUP)} exists: this tree is wrapped by TheRock's setup_sccache_rocm.py`,
      advice: "restore it first (setup_sccache_rocm.py --restore), then run install again",
    };
  }
  const originals = join(bin, PYTORCH_ORIGINALS);
  if (names.some((name) => fs.existsSync(join(originals, name)))) {
    return {
      found: `${originals} holds ${names.filter((n) => fs.existsSync(join(originals, n))).join(', ')}: this tree is wrapped by PyTorch CI's install_cache.sh`,
      advice: `move the compilers in ${originals} back over the wrappers, then run install again`,
    };
  }
  for (const name of names) {
    const path = join(bin, name);
    const type = entryTypeOf(path);
    if (type === 'file') {
      const script = firstLine(path);
      if (script !== undefined) {
        const cache = /\bsccache\b/.test(script) ? 'sccache' : /\bccache\b/.test(script) ? 'ccache' : undefined;
        return {
          found: `${path} is a shell script${cache ? ` that runs ${cache}` : ''} (${script.split('\n')[0]}), not a compiler`,
          advice: 'put the real compiler back under that name (the tool that wrote the script should have a restore), then run install again',
        };
      }
    }
    if (type === 'symlink' && !ownsShim(name)) {
      let real: string;
      try {
        real = fs.realpathSync.native(path);
      } catch {
        continue; // A dangling link: planning reports it.
      }
      const target = basename(real).toLowerCase();
      if (target.startsWith('ccache') || target.startsWith('sccache')) {
        return {
          found: `${path} is a ${target.startsWith('s') ? 'sccache' : 'ccache'} masquerade link to ${real}`,
          advice: 'remove that link and put the real compiler back, then run install again',
        };
      }
      if (target.startsWith(SHIM_STEM)) {
        return {
          found: `${path} leads to a hip-clang-launcher (${real}) that ${bin}'s manifest does not list`,
          advice: `run 'hip-clang-launcher uninstall' where that one was installed, or restore ${name} by hand`,
        };
      }
    }
  }
  return undefined;
}
