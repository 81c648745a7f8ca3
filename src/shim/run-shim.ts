import { HclError } from '../errors.js';
import type { Host } from '../host.js';

// Shim mode: this executable invoked under a compiler's name. Issue #4 fills
// this in (manifest look-up, then runLauncher with the real compiler).
export async function runShim(invocation: { name: string; invokedPath: string; args: string[] }, _host: Host): Promise<never> {
  throw new HclError('not-a-llvm-bin', `invoked as ${invocation.name}, but shim mode is not available yet`, 'run hip-clang-launcher <compiler> <args...>');
}
