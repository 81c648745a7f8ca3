// node scripts/corpus.mjs [--toolchain lab|host|all] [--out DIR] [--cases id,id]
// Runs the HIP cache-correctness corpus (test/corpus) on the Debian sid lab
// (clang-21, ccache 4.14, sccache 0.17) and on the Debian 12 host (clang-15,
// ccache 4.7.5, the HIP sccache 0.10), writes DIR/corpus.json (default: the
// repository), and re-renders DIR/BENCHMARKS.md from DIR/benchmarks.json with
// the correctness table and the offload-mode matrix. Exit 0 when it ran; the
// judgement (the launcher's promise) is in the JSON and the tests assert it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstError, launcherViolations } from '../test/corpus/evaluate.mjs';
import { writeReport } from './bench/report.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const tools = process.env.HCL_TOOLS ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'hip-clang-launcher-tools');
const argv = process.argv.slice(2);
const opt = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const which = opt('--toolchain', 'all');
const out = opt('--out', repo);
const caseIds = opt('--cases', undefined)?.split(',');
if (!['lab', 'host', 'all'].includes(which)) fail(`--toolchain must be lab, host or all, not ${which}`);

const launcher = join(repo, 'dist/linux-x64/hip-clang-launcher');
const node = process.execPath;
const sccacheHip = join(tools, 'sccache-hip/bin/sccache');
for (const [file, fix] of [
  [launcher, 'run `npm run build`'],
  [sccacheHip, 'run `npm run provision`'],
  [join(tools, 'sid-root/etc/hcl-lab/recipe'), 'run `npm run provision`'],
]) {
  if (!existsSync(file)) fail(`missing ${file}: ${fix}`);
}

const LAB_NODE_DIR = '/opt/hcl-node';

const TOOLCHAINS = {
  lab: {
    cxx: 'clang++-21',
    hipFlags: [],
    ccache: '/usr/bin/ccache',
    sccache: '/usr/bin/sccache',
    launcherCaches: { ccache: 'ccache', sccache: 'sccache' },
  },
  host: {
    cxx: '/usr/bin/clang++-15',
    hipFlags: ['--rocm-path=/usr', '--rocm-device-lib-path=/usr/lib/x86_64-linux-gnu/amdgcn/bitcode'],
    ccache: '/usr/bin/ccache',
    // Debian 12's own sccache 0.4 cannot cache HIP at all; the HIP-capable 0.10 is the one measured.
    sccache: sccacheHip,
    launcherCaches: { ccache: 'ccache', sccache: sccacheHip },
  },
};

// What a toolchain's run ran, in counts that do not depend on the machine's load.
function workLine(work = {}) {
  const sum = (test) => Object.entries(work).filter(([k]) => test(k)).reduce((n, [, w]) => n + w.processes, 0);
  const compiles = sum((k) => / (compile|link)$/.test(k));
  const references = sum((k) => /reference/.test(k));
  return `${compiles} route compiles and links, ${references} reference compiles, ${sum((k) => k.endsWith('stats read'))} stats reads, ${sum((k) => k === 'sccache server start')} sccache servers started`;
}

function fail(message) {
  process.stderr.write(`corpus: error: ${message}\n`);
  process.exit(2);
}

function runToolchain(name, work, basePort) {
  mkdirSync(join(work, 'build'), { recursive: true });
  const config = { toolchain: name, work: join(work, 'build'), launcher, basePort, concurrency: 2, ...TOOLCHAINS[name], ...(caseIds ? { cases: caseIds } : {}) };
  const configFile = join(work, 'config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const driver = join(repo, 'test/corpus/run-corpus.mjs');
  const cmd =
    name === 'lab'
      ? // Node's own directory goes in at a path of its own: bound at its own path, a Node in /usr/bin would hide the lab's.
        ['bash', join(repo, 'scripts/lab-run.sh'), '--ro-bind', `${dirname(node)}:${LAB_NODE_DIR}`, '--ro-bind', join(repo, 'test/corpus'), '--ro-bind', dirname(launcher), '--bind', work, '--cwd', work, '--', join(LAB_NODE_DIR, basename(node)), driver, configFile]
      : [node, driver, configFile];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0], cmd.slice(1), { cwd: work, env: { PATH: process.env.PATH, HOME: process.env.HOME, HCL_TOOLS: tools, LANG: 'C.UTF-8', ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}) }, stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks = [];
    child.stdout.on('data', (b) => chunks.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`the ${name} corpus exited with ${code}`));
      resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    });
  });
}

const started = Date.now();
const names = which === 'all' ? ['lab', 'host'] : [which];
const scratch = mkdtempSync(join(tmpdir(), 'hcl-corpus-'));
// Below the kernel's ephemeral range (32768+), where other tests' free ports come from.
// Slots of 1,200 ports: the lab takes the first 600 and the host the second, so a lab run and a host run
// started apart (the suite's two corpus files) never share a port, whatever slot each drew.
const basePort = 20000 + Math.floor(Math.random() * 8) * 1200;
let results;
try {
  // One after the other: each already keeps both cores busy.
  results = [];
  for (const name of names) {
    const t0 = Date.now();
    // A port range per toolchain, not per position: the test suite runs the two as separate files at once.
    const r = await runToolchain(name, join(scratch, name), basePort + (name === 'host' ? 600 : 0));
    process.stderr.write(`corpus: ${name} done in ${Math.round((Date.now() - t0) / 1000)} s; ${workLine(r.work)}\n`);
    results.push(r);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

for (const r of results) {
  const route = (id) => r.routes.find((x) => x.id === id);
  // Each launcher route, the split's included, against the bare cache it drives.
  r.launcherViolations = Object.fromEntries(r.routes.filter((x) => x.launcher).map((x) => [x.id, launcherViolations(x, route(x.cache))]));
}
// Judged: the file keeps each call's outcome and first error line, not its full stderr.
for (const r of results) {
  for (const route of r.routes) {
    for (const j of Object.values(route.cases)) {
      j.calls = j.calls.map(({ stderr, args, ...call }) => (stderr ? { ...call, error: firstError(stderr) } : call));
    }
  }
}
const corpus = { date: new Date().toISOString(), durationMs: Date.now() - started, toolchains: results };
mkdirSync(out, { recursive: true });
// The scratch directory is this machine's: the file names it <work>.
writeFileSync(join(out, 'corpus.json'), `${JSON.stringify(corpus, null, 1).replaceAll(scratch, '<work>')}\n`);
const written = [join(out, 'corpus.json')];
const benchJson = join(out, 'benchmarks.json');
if (existsSync(benchJson)) {
  written.push(...writeReport(JSON.parse(readFileSync(benchJson, 'utf8')), out, { markdownOnly: true }));
}
process.stderr.write(`corpus: ${Math.round(corpus.durationMs / 1000)} s in all; wrote ${written.join(', ')}\n`);
