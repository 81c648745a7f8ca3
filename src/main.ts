import { failAndExit, HclError } from './errors.js';
import { createHost } from './host.js';
import { decideInvocation } from './invocation.js';
import { assertExactPath, exactArgv } from './launcher/exact-bytes.js';
import { runLauncher } from './launcher/run-launcher.js';
import { runShim } from './shim/run-shim.js';
import { realCompilerBehindShim } from './shim/real-compiler.js';
import { loadAdminCli } from './load-admin-cli.js';
import { phaseEnds } from './launcher/phases.js';

// The single entry point. Stays tiny: work out the invoked name and first
// argument, then hand over. The launcher and shim use Node built-ins only;
// the admin CLI (yargs, execa) is loaded only when asked for.
async function main(): Promise<void> {
  phaseEnds('start');
  // In a single executable argv[1] is the name the caller used (a shim's link
  // name, say); under plain node it is the script, so the name comes from there.
  // Arguments that are not UTF-8 come byte for byte from the kernel (exact-bytes.ts).
  const argv = exactArgv(process.argv);
  const invokedPath = argv[1] ?? process.execPath;
  const invocation = decideInvocation(invokedPath, argv.slice(2), process.platform);
  switch (invocation.mode) {
    case 'launcher':
      assertExactPath(invocation.compiler, 'compiler');
      return runLauncher({ compiler: invocation.compiler, args: invocation.args, behindShim: realCompilerBehindShim }, createHost());
    case 'shim':
      return runShim(invocation, createHost());
    case 'cli':
      return (await loadAdminCli()).runAdminCli(invocation.args);
    case 'usage-error':
      throw new HclError('usage', invocation.message);
  }
}

main().catch(failAndExit);
