import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './helpers/tools.js';

// The suite tests the built executables as users run them: they must exist.
export default function setup(): void {
  for (const file of ['dist/linux-x64/hip-clang-launcher', 'dist/win-x64/hip-clang-launcher.exe', 'build/main.cjs']) {
    if (!existsSync(join(repoRoot, file))) throw new Error(`missing ${file}: run 'npm run build' (npm test does it for you)`);
  }
}
