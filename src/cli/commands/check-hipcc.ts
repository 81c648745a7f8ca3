import type { CommandModule } from 'yargs';
import { probeHipcc } from '../../patch/probe-hipcc.js';

interface Args {
  hipcc: string;
  json: boolean;
}

// Which route a given hipcc needs: the launcher (it honours HIP_CLANG_LAUNCHER)
// or the shim. Exit status: 0 = launcher, 1 = shim.
export const checkHipccCommand: CommandModule<object, Args> = {
  command: 'check-hipcc <hipcc>',
  describe: 'run a hipcc once to see whether it honours HIP_CLANG_LAUNCHER; say which route to take',
  builder: (y) =>
    y
      .positional('hipcc', { type: 'string', demandOption: true, describe: 'the hipcc executable to test' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  handler: (args) => {
    const result = probeHipcc(args.hipcc);
    const route = result.calls.length > 0 && result.compilerIsFile ? 'launcher' : 'shim';
    process.exitCode = route === 'launcher' ? 0 : 1;
    if (args.json) {
      console.log(JSON.stringify({ route, ...result }, null, 2));
      return;
    }
    const ran = result.attempts.map((a) => `hipcc ${a.args.join(' ')} (exit ${a.exitCode ?? 'timeout'})`).join(', then ');
    console.log(`hipcc:    ${result.hipcc}`);
    console.log(`probe:    ran ${ran} with HIP_CLANG_LAUNCHER=${result.launcher}`);
    if (result.calls.length === 0) {
      console.log('launcher: not called: this hipcc ignores HIP_CLANG_LAUNCHER');
      console.log('route:    shim (hip-clang-launcher install), or patch its source (hip-clang-launcher patch <dir>) and rebuild it');
    } else if (!result.compilerIsFile) {
      console.log(`launcher: called, but the compiler arrived mangled as ${JSON.stringify(result.calls[0]!.compiler)}`);
      console.log("route:    shim, or patch its source (hip-clang-launcher patch <dir> applies the quoting fix) and rebuild it");
    } else {
      console.log(`launcher: called with the compiler ${result.calls[0]!.compiler} as its first argument`);
      console.log(`route:    launcher: set HIP_CLANG_LAUNCHER=${result.launcher} in the build environment`);
    }
  },
};
