import type { ParsedCall } from '../parse-call.js';
import type { Rule } from './rule.js';

// Every cache keys a HIP compile whole, --offload-arch list included: add an
// arch and every entry misses for every arch. clang's own jobs show the call
// is parts: per arch a device compile, clang-offload-bundler, and the host
// compile. Run as ordinary driver calls, each keyed on its own by the cache,
// they give the one-step object byte for byte (checked with clang-15 and
// clang-21, with and without -fgpu-rdc; ../../../README.md "Per-arch device
// caching"). A changed arch list then misses only for its new archs.
//
// Only shapes whose split was shown to give the one-step bytes are split;
// anything else stays one whole call, with the reason in the log. The job
// list itself is checked again per compiler and shape (run-parts.ts).

// Why a call cannot be split, or undefined when it can be.
export function whyNotSplit(call: ParsedCall): string | undefined {
  if (call.mode !== 'compile') return `a ${call.mode} call (only -c compiles are split)`;
  if (call.inputs.length !== 1) return `${call.inputs.length} inputs (one source per call is split)`;
  if (call.inputs[0]!.file === '-') return 'source from stdin (each part would read it)';
  const language = call.inputs[0]!.language;
  if (language !== 'hip') return `input language ${language} (only HIP source is split)`;
  if (call.responseFiles.length > 0) return 'a response file (its flags are not seen)';
  if (call.offloadMode !== 'both') return `already a ${call.offloadMode} compile`;
  if (call.newOffloadDriver) return 'the new offload driver (--offload-new-driver): its split is not proven';
  if (call.saveTemps) return '-save-temps (the temporaries are the driver\'s)';
  if (call.emitLlvm) return '-emit-llvm';
  if (call.splitDwarf) return '-gsplit-dwarf (its .dwo files are not proven)';
  if (call.offloadCompress) return '--offload-compress: its split is not proven';
  if (call.output === undefined) return 'no -o (the split names its outputs)';
  if (call.offloadArchs.length === 0) return 'no --offload-arch (the driver picks the archs)';
  if (call.offloadArchs.some((a) => a === 'native' || a === '' || a.includes('/'))) return `--offload-arch=${call.offloadArchs.join(',')}: only named archs are split`;
  if (new Set(call.offloadArchs).size !== call.offloadArchs.length) return 'an arch given twice';
  return undefined;
}

// Measured with sccache 0.17: the host part's `-Xclang -fcuda-include-gpubinary`
// is "non-cacheable" to it, so a split would compile the host side at every
// rebuild that a whole-call entry answers in one lookup.
const SCCACHE_HOST_PART = 'sccache cannot cache the host part without -fgpu-rdc (it passes -Xclang arguments through uncached)';
// sccache has no prefix_command, so a split call there is a lookup per part
// and the bundler at every rebuild (3.6x a whole call's warm time, measured):
// split by default only with ccache, where a warm call stays one lookup.
const SCCACHE_UNASKED = 'sccache would look up every part at every rebuild (no prefix_command); HIP_CLANG_LAUNCHER_SPLIT=on splits -fgpu-rdc compiles anyway';

// Why a single-step compile-and-link cannot be run as compiles then the link.
const COMPILED_LANGUAGES = new Set(['hip', 'c', 'c++']);
export function whyNotCompileLink(call: ParsedCall): string | undefined {
  const sources = call.inputs.filter((i) => i.language !== 'object');
  if (sources.length === 0) return 'a link of objects only';
  const other = sources.find((i) => !COMPILED_LANGUAGES.has(i.language));
  if (other) return `input ${other.file} is ${other.language} (HIP, C and C++ sources are split from the link)`;
  if (sources.some((i) => i.file === '-')) return 'source from stdin';
  if (call.responseFiles.length > 0) return 'a response file (its flags are not seen)';
  if (call.rdc) return '-fgpu-rdc: a device link of several sources is not proven';
  if (call.saveTemps) return '-save-temps';
  if (call.depfile) return 'a depfile in a link call';
  if (call.emitLlvm) return '-emit-llvm';
  if (call.splitDwarf) return '-gsplit-dwarf (its .dwo files are not proven)';
  if (call.newOffloadDriver) return 'the new offload driver';
  if (call.offloadMode !== 'both') return `a ${call.offloadMode} call`;
  return undefined;
}

export const split: Rule = {
  name: 'split',
  summary: 'a HIP compile runs as per-arch device compiles, the driver\'s bundling and the host compile, each keyed by the cache; a compile-and-link as compiles and the link (on unless HIP_CLANG_LAUNCHER_SPLIT=off)',
  decide(call, world) {
    if (!world.settings.split || !world.cache) return undefined;
    if (call.mode === 'link') {
      const why = whyNotCompileLink(call);
      if (why) return { rule: this.name, reason: `not split from its link: ${why}` };
      return { rule: this.name, split: 'compile-link', reason: 'compile and link: each source compiled through the cache, then the link' };
    }
    if (!call.offload || world.cache.facts.cachesHip === false) return undefined;
    const sccache = world.cache.facts.kind === 'sccache';
    const why = whyNotSplit(call) ?? (sccache && !call.rdc ? SCCACHE_HOST_PART : sccache && !world.settings.splitAsked ? SCCACHE_UNASKED : undefined);
    if (why) return { rule: this.name, reason: `not split: ${why}` };
    const archs = call.offloadArchs.join(',');
    return { rule: this.name, split: 'per-arch', reason: `split per arch (${archs}${call.rdc ? ', -fgpu-rdc' : ''}): each device part and the host part keyed by the cache` };
  },
};
