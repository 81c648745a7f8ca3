// Builds dist/linux-x64/hip-clang-launcher and dist/win-x64/hip-clang-launcher.exe.
//   1. esbuild: src/main.ts -> build/main.cjs (the hot path: built-ins only)
//               src/cli/main.ts -> build/cli.cjs (yargs, execa; a SEA asset)
//   2. pkg (@yao-pkg/pkg's SEA pipeline, driven through its API so the
//      sea-config can carry execArgvExtension "none": NODE_OPTIONS meant for
//      another program must not reach our runtime), per target, offline:
//      its download cache is pre-filled with the pinned, sha256-checked bases.
//      The output does not depend on the checkout's path (see below).
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { copyFile, mkdir, readFile, rename, rm, writeFile, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const pkgJson = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8'));
const tools = process.env.HCL_TOOLS;
if (!tools) throw new Error('run through scripts/build.sh (HCL_TOOLS unset)');
const arg = (name) => process.argv[process.argv.indexOf(name) + 1];
const targetName = arg('--target');
// Each target's pinned Node and its base binary. The Linux blob carries V8's
// code cache, generated with a fixed seed (below) so a rebuild gives the same
// bytes (the shim's sha256 must not drift on a mere rebuild). A Windows
// blob must not carry one at all.
const TARGETS = {
  linux: { version: process.env.HCL_NODE_VERSION, base: process.env.HCL_NODE, platform: 'linux', output: 'dist/linux-x64/hip-clang-launcher', useCodeCache: true },
  win: { version: process.env.HCL_NODE_WIN_VERSION, base: process.env.HCL_NODE_EXE, platform: 'win', output: 'dist/win-x64/hip-clang-launcher.exe', useCodeCache: false },
};
const target = TARGETS[targetName];
if (!target || !target.version) throw new Error(`--target linux|win, run through scripts/build.sh`);
if (process.version !== `v${target.version}`) {
  throw new Error(`the ${targetName} target must be packed under Node v${target.version}, not ${process.version}`);
}
const only = process.argv.includes('--bundle-only');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { __HCL_VERSION__: JSON.stringify(pkgJson.version) },
  // The hipcc patches (patches/**/*.patch) ship inside the executable as text.
  loader: { '.patch': 'text' },
};
await mkdir(join(repo, 'build'), { recursive: true });
if (!process.argv.includes('--no-bundle')) {
const hot = await build({
  ...common,
  entryPoints: [join(repo, 'src/main.ts')],
  outfile: join(repo, 'build/main.cjs'),
  metafile: true,
  banner: { js: '#!/usr/bin/env node' },
});
await writeFile(join(repo, 'build/main.meta.json'), JSON.stringify(hot.metafile, null, 1));
await chmod(join(repo, 'build/main.cjs'), 0o755);
const cli = await build({
  ...common,
  entryPoints: [join(repo, 'src/cli/main.ts')],
  outfile: join(repo, 'build/cli.cjs'),
  metafile: true,
  // yargs 18 is ESM and reads import.meta.url, which a CJS bundle lacks. It
  // derives its locales directory from it (y18n fails hard on EACCES there,
  // e.g. when the executable sits below a directory the user cannot search),
  // and without node_modules in the path it also reads the package.json of the
  // user's working directory. A fixed path that exists nowhere gives a clean
  // ENOENT for both (rooted at the system drive on Windows, where a file URL
  // needs a drive letter).
  define: { ...common.define, 'import.meta.url': '__hcl_yargs_url' },
  banner: {
    js: 'var __hcl_yargs_url=require("url").pathToFileURL((process.platform==="win32"?(process.env.SystemDrive||"C:")+"\\\\":"/")+"nonexistent-hip-clang-launcher/node_modules/yargs/lib/platform-shims/esm.mjs").href;',
  },
});
await writeFile(join(repo, 'build/cli.meta.json'), JSON.stringify(cli.metafile, null, 1));
}
if (only) process.exit(0);

// pkg looks for bases in $HOME/.pkg-cache/sea; give it a private HOME whose cache holds ours.
const pkgHome = join(tools, 'pkg-home');
const seaCache = join(pkgHome, '.pkg-cache', 'sea');
const v = `v${target.version}`;
const os = target.platform === 'win' ? 'win' : 'linux';
const baseInCache = os === 'win' ? join(seaCache, `node-${v}-win-x64.exe`) : join(seaCache, `node-${v}-linux-x64`, 'bin', 'node');
await mkdir(dirname(baseInCache), { recursive: true });
if (!existsSync(`${baseInCache}.ok`)) {
  await copyFile(target.base, baseInCache);
  await writeFile(`${baseInCache}.ok`, '');
}
// The archive is never opened once the extracted binary carries its sentinel.
const archive = join(seaCache, `node-${v}-${os}-x64.${os === 'win' ? 'zip' : 'tar.gz'}`);
for (const f of [archive, `${archive}.ok`]) if (!existsSync(f)) await writeFile(f, '');
process.env.HOME = pkgHome;

// Node stores the SEA config's `main` path in the blob, and pkg writes the
// entry's absolute path there: the checkout directory would become part of
// the executable, and two checkouts would build different bytes. pkg writes
// that config into its own temporary directory and generates the blob from
// there, so the config is rewritten on its way to disk to name a copy of the
// entry in that directory by a fixed, relative name. (Nothing else in the
// executable depends on where it was built: asset paths are not stored.)
const fsPromises = require('node:fs/promises');
const writeFileAsIs = fsPromises.writeFile;
fsPromises.writeFile = async (file, data, ...rest) => {
  if (typeof file === 'string' && file.endsWith('sea-config.json')) {
    const config = JSON.parse(data);
    await copyFile(config.main, join(dirname(file), 'main.cjs'));
    data = JSON.stringify({ ...config, main: 'main.cjs' });
  }
  return writeFileAsIs(file, data, ...rest);
};
// V8's code cache (useCodeCache) spares every call the compiling of the
// hot path's functions, but V8 lays it out by a hash seed drawn at random:
// two builds gave caches of different lengths. A fixed --random-seed for the
// Node that generates the blob (the hash seed is drawn from it) makes it the
// same bytes every time, and the executable still takes the cache: calls
// measured about 1.5 ms faster than without one (1.16x against 1.20x of a
// bare Node start, 150 interleaved rounds).
// pkg runs that Node through a promisified execFile, taken when it loads.
const childProcess = require('node:child_process');
const { promisify } = require('node:util');
const execFileAsIs = childProcess.execFile;
const execFileAsIsAsync = execFileAsIs[promisify.custom];
const seeded = (args) => (Array.isArray(args) && args[0] === '--experimental-sea-config' ? ['--random-seed=1', ...args] : args);
const execFileSeeded = (file, args, ...rest) => execFileAsIs(file, seeded(args), ...rest);
execFileSeeded[promisify.custom] = (file, args, ...rest) => execFileAsIsAsync(file, seeded(args), ...rest);
childProcess.execFile = execFileSeeded;
const sea = require('@yao-pkg/pkg/lib-es5/sea').default;
childProcess.execFile = execFileAsIs;
// Built aside and renamed into place: tests running the old executable never see half a file.
const final = join(repo, target.output);
const output = join(dirname(final), `.tmp-${process.pid}-${target.output.split('/').pop()}`);
await mkdir(dirname(final), { recursive: true });
await rm(output, { force: true });
await sea(join(repo, 'build/main.cjs'), {
  targets: [{ nodeRange: `node${target.version}`, platform: target.platform, arch: 'x64', output }],
  seaConfig: {
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: target.useCodeCache,
    execArgvExtension: 'none',
    assets: { 'cli.cjs': join(repo, 'build/cli.cjs') },
  },
});
if (target.platform !== 'win') await chmod(output, 0o755);
await rename(output, final);
console.log(`built ${target.output} (Node ${v})`);
