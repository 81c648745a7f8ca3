// Every environment variable the launcher reads or adds, in one place.

// Which cache: `auto` (default), `sccache`, `ccache`, `none`, or an absolute path.
export const CACHE_VAR = 'HIP_CLANG_LAUNCHER_CACHE';
// A file to append one JSON line per call to. Unset: no log.
export const LOG_VAR = 'HIP_CLANG_LAUNCHER_LOG';
// Set (to anything): stack traces on errors, whether V8 took the code cache, and the launcher's time by phase.
export const DEBUG_VAR = 'HIP_CLANG_LAUNCHER_DEBUG';
// Added to the compiler's environment: how many launchers are above this one.
export const DEPTH_VAR = 'HIP_CLANG_LAUNCHER_DEPTH';
// Added beside DEPTH_VAR when the launcher hands the call to a cache: a launcher below it goes direct.
export const OUTER_CACHE_VAR = 'HIP_CLANG_LAUNCHER_OUTER_CACHE';
// Probe mode for `check-hipcc`: a file the launcher writes its argv to.
export const PROBE_VAR = 'HIP_CLANG_LAUNCHER_PROBE';
// `1`: skip the cache for this call (the volta `*_BYPASS` switch).
export const BYPASS_VAR = 'HIP_CLANG_LAUNCHER_BYPASS';
// Set for sccache unless the user set it, so that a server outage compiles locally.
export const SCCACHE_IGNORE_SERVER_IO_ERROR = 'SCCACHE_IGNORE_SERVER_IO_ERROR';

// Past this many nested launchers something calls itself: stop rather than loop.
export const MAX_DEPTH = 8;
// Where memoised facts live (default: the user's cache directory).
export const STATE_DIR_VAR = 'HIP_CLANG_LAUNCHER_STATE_DIR';
// `off`: never add a -cuid to HIP compiles.
export const CUID_VAR = 'HIP_CLANG_LAUNCHER_CUID';
// `on`: split a HIP compile into per-arch device parts, bundling and the host part (hip-rules/split.ts).
export const SPLIT_VAR = 'HIP_CLANG_LAUNCHER_SPLIT';
// Set by the launcher for ccache's prefix_command: the whole call missed, so run it as its parts.
export const SPLIT_PREFIX_VAR = 'HIP_CLANG_LAUNCHER_SPLIT_PREFIX';
// Set beside it with a call log: the user's own CCACHE_STATSLOG (empty: none), which the
// prefix restores, so that the launcher's private stats log holds the whole call's record only.
export const USER_STATSLOG_VAR = 'HIP_CLANG_LAUNCHER_USER_STATSLOG';
// One or more directories (PATH-style list): paths under them are keyed relative to them.
export const BASEDIR_VAR = 'HIP_CLANG_LAUNCHER_BASEDIR';
// Set by the launcher for a hipcc it runs, so hipcc's clang calls come back through it.
export const HIP_CLANG_LAUNCHER_VAR = 'HIP_CLANG_LAUNCHER';

// The caches' own settings the launcher may add for HIP (hip-rules/). One the
// user set in the environment is theirs, and the launcher leaves it alone.
export const CCACHE_BASEDIR = 'CCACHE_BASEDIR';
export const SCCACHE_BASEDIRS = 'SCCACHE_BASEDIRS';
export const CCACHE_COMPILERCHECK = 'CCACHE_COMPILERCHECK';
export const SCCACHE_CACHE_BUSTER = 'SCCACHE_C_CUSTOM_CACHE_BUSTER';
export const CCACHE_DEPEND = 'CCACHE_DEPEND';
export const CCACHE_NODEPEND = 'CCACHE_NODEPEND';
// ccache's prefix_command: the launcher's own when it splits a call on a whole-call miss (run-parts.ts).
export const CCACHE_PREFIX = 'CCACHE_PREFIX';
// ccache sets it for the compiler (or prefix) it runs; a user's turns ccache off.
export const CCACHE_DISABLE = 'CCACHE_DISABLE';
export const CACHE_SETTING_VARS = [CCACHE_BASEDIR, SCCACHE_BASEDIRS, CCACHE_COMPILERCHECK, SCCACHE_CACHE_BUSTER, CCACHE_DEPEND, CCACHE_NODEPEND] as const;
// Where clang looks for the device libraries when no flag says (clang's own environment variables).
export const HIP_DEVICE_LIB_PATH_VAR = 'HIP_DEVICE_LIB_PATH';
export const ROCM_PATH_VAR = 'ROCM_PATH';
