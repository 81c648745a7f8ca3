import { beforeAll, describe, it } from 'vitest';
import { buildRoute, checkRoute, HOST, prepareMakefileBuild, ROUTES, type MakefileBuild, type Route } from '../helpers/makefile-builds.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// Issue 20: a real HIP Makefile build (rocThrust's examples, Debian sid's source) on the Debian 12
// host (perl hipcc 5.2.3, clang-15) with ccache 4.7, through each route: a warm `make` after
// `make clean` is all hits, and each program equals the uncached build's
// (test/helpers/makefile-builds.ts says how).
const root = makeTempDir('hcl-host-makefile-ccache-');
const TIMEOUT = 900_000;

describe('rocThrust examples by plain make on the host, ccache, HIP_CLANG_LAUNCHER_SPLIT=on', () => {
  let build: MakefileBuild;
  beforeAll(() => {
    build = prepareMakefileBuild(HOST, root, 'ccache');
  }, TIMEOUT);

  it.each(Object.keys(ROUTES) as Route[])('%s: warm make is all hits, programs as uncached', (route) => {
    checkRoute(build, route, buildRoute(build, route));
  }, TIMEOUT);
});
