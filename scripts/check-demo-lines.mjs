// CI: the demo printed what the README says it prints.
//   node scripts/check-demo-lines.mjs <demo output>
// Each line of the README's "What it prints" block must appear in the demo's
// output, in order, once times, temporary names and hex ids are set aside
// (a README line beginning with "  ..." stands for lines that vary).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(repo, 'README.md'), 'utf8');
const start = readme.indexOf('```text\n', readme.indexOf('What it prints'));
if (readme.indexOf('What it prints') < 0 || start < 0) throw new Error('README.md has no "What it prints" block for the demo');
const block = readme.slice(start + '```text\n'.length, readme.indexOf('\n```', start + 1));

// Hex ids before numbers (a hex id may be all digits); then runs of spaces, which printf's widths vary.
const normal = (line) =>
  line
    .replace(/hcl-demo\.\w+/g, 'hcl-demo.X')
    .replace(/\b[0-9a-f]{8,}\b/g, 'H')
    .replace(/\d+/g, 'N')
    .replace(/\s+/g, ' ')
    .trim();

const expected = block.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('  ...')).map(normal);
const seen = readFileSync(process.argv[2], 'utf8').split('\n').map(normal);
let at = 0;
for (const line of expected) {
  const found = seen.indexOf(line, at);
  if (found < 0) {
    process.stderr.write(`check-demo-lines: the demo did not print, in order, the README's line:\n  ${line}\n`);
    process.exit(1);
  }
  at = found + 1;
}
console.log(`check-demo-lines: all ${expected.length} lines the README shows were printed`);
