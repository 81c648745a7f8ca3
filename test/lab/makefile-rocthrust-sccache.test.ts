import { beforeAll, describe, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-dir.js';
import { LAB_BUILD_TIMEOUT } from './lab-builds.js';
import { buildRoute, checkRoute, LAB, prepareMakefileBuild, ROUTES, type MakefileBuild, type Route } from '../helpers/makefile-builds.js';

// Issue 20: a real HIP Makefile build (rocThrust's examples, Debian sid's source) in the sid
// lab with sccache, through each route: a warm `make` after `make clean` is all hits, and each
// program equals the uncached build's (test/helpers/makefile-builds.ts says how).
const root = makeTempDir('hcl-lab-makefile-sccache-');

describe('rocThrust examples by plain make in the lab, sccache, HIP_CLANG_LAUNCHER_SPLIT=on', () => {
  let build: MakefileBuild;
  beforeAll(() => {
    build = prepareMakefileBuild(LAB, root, 'sccache');
  }, LAB_BUILD_TIMEOUT);

  it.each(Object.keys(ROUTES) as Route[])('%s: warm make is all hits, programs as uncached', (route) => {
    checkRoute(build, route, buildRoute(build, route));
  }, LAB_BUILD_TIMEOUT);
});
