// Every environment variable the launcher reads or adds, in one place.

// Which cache: `auto` (default), `sccache`, `ccache`, `none`, or an absolute path.
export const CACHE_VAR = 'HIP_CLANG_LAUNCHER_CACHE';
// A file to append one JSON line per call to. Unset: no log.
export const LOG_VAR = 'HIP_CLANG_LAUNCHER_LOG';
// Added to the compiler's environment: how many launchers are above this one.
export const DEPTH_VAR = 'HIP_CLANG_LAUNCHER_DEPTH';
// Probe mode for `check-hipcc`: a file the launcher writes its argv to.
export const PROBE_VAR = 'HIP_CLANG_LAUNCHER_PROBE';
// `1`: skip the cache for this call (the volta `*_BYPASS` switch).
export const BYPASS_VAR = 'HIP_CLANG_LAUNCHER_BYPASS';
// Set for sccache unless the user set it, so that a server outage compiles locally.
export const SCCACHE_IGNORE_SERVER_IO_ERROR = 'SCCACHE_IGNORE_SERVER_IO_ERROR';

// Past this many nested launchers something calls itself: stop rather than loop.
export const MAX_DEPTH = 8;
