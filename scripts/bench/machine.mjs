import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { firstLineOf, hipcc7, launcherPath } from './prerequisites.mjs';

// What the numbers were taken on, and with which versions: only ratios carry
// over to another machine. No paths: the report is committed.
export function describeMachine(ctx) {
  // hipcc 7's own --version needs a GPU agent to answer; its source pin says which it is.
  const hipcc = orWhyNot(() => {
    hipcc7('patched');
    const pin = /rocm-([\d.]+)$/.exec(process.env.HCL_HIPCC_SRC ?? '')?.[1] ?? 'unknown';
    return `hipcc ${pin} from Debian's rocm-llvm source, built by scripts/build-hipcc.sh (patched and unpatched)`;
  });
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    nproc: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: osName(),
    kernel: release(),
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    versions: {
      node: firstLineOf(ctx.node, ['--version']),
      launcher: orWhyNot(() => firstLineOf(launcherPath(), ['--version'])),
      clang: firstLineOf('clang++-15', ['--version']),
      ccache: firstLineOf('ccache', ['--version']),
      sccacheHip: process.env.HCL_SCCACHE_HIP ? firstLineOf(process.env.HCL_SCCACHE_HIP, ['--version']) : 'HCL_SCCACHE_HIP unset',
      hipccPerl: firstLineOf('dpkg-query', ['-W', '-f', 'Debian hipcc ${Version}', 'hipcc']),
      hipcc7: hipcc,
      python: firstLineOf('/usr/bin/python3', ['--version']),
      gnuMake: firstLineOf('make', ['--version']),
    },
  };
}

function orWhyNot(describe) {
  try {
    return describe();
  } catch (error) {
    return `not available: ${error.message}`;
  }
}

function osName() {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}
