import { describeMakefileRoutes, HOST } from '../helpers/makefile-builds.js';

// Issue 20: a real HIP Makefile build (rocThrust's examples, Debian sid's source) on the Debian 12
// host (perl hipcc 5.2.3, clang-15) with the HIP-capable sccache 0.10, through each route: a warm `make` after
// `make clean` is all hits, and each program equals the uncached build's
// (test/helpers/makefile-builds.ts says how).
describeMakefileRoutes(HOST, 'sccache', 900_000);
