import { describeMakefileRoutes, LAB } from '../helpers/makefile-builds.js';
import { LAB_BUILD_TIMEOUT } from './lab-builds.js';

// Issue 20: a real HIP Makefile build (rocThrust's examples, Debian sid's source) in the sid
// lab (Debian's hipcc 7.0.2, clang-21) with ccache 4.14, through each route: a warm `make` after
// `make clean` is all hits, and each program equals the uncached build's
// (test/helpers/makefile-builds.ts says how).
describeMakefileRoutes(LAB, 'ccache', LAB_BUILD_TIMEOUT);
