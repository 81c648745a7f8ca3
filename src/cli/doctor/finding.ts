import { HclError } from '../../errors.js';

// One line of `doctor`: what was checked, what was found, and the fix.
// `fail` means something stops compiles being cached (doctor exits 1);
// `warn` means caching works but something deserves a look.

export type FindingStatus = 'ok' | 'warn' | 'fail';

export interface Finding {
  // Which check: hipcc, cache, cache-start, shim, hip-platform, sccache-env, node-options, path, base-dir, split, rules, cache-config.
  check: string;
  status: FindingStatus;
  found: string;
  // What to do; null for `ok`.
  fix: string | null;
}

export function finding(check: string, status: FindingStatus, found: string, fix?: string): Finding {
  return { check, status, found, fix: status === 'ok' ? null : (fix ?? null) };
}

export function formatFinding(f: Finding): string {
  return `${f.status.padEnd(4)}  ${f.check.padEnd(12)} ${f.found}${f.fix ? `; fix: ${f.fix}` : ''}`.replace(/\s*\n\s*/g, ' ');
}

export function blocksCaching(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.status === 'fail');
}

// A failure the project's own code reported: its message is what was found, its advice the fix.
export function errorFinding(check: string, error: unknown, fallbackFix: string): Finding {
  if (error instanceof HclError) return finding(check, 'fail', error.message, error.advice || fallbackFix);
  return finding(check, 'fail', `internal error: ${error instanceof Error ? error.message : String(error)}`, fallbackFix);
}
