import { readFileSync } from 'node:fs';

// What VAL an object of test/fixtures/hip/val.hip was compiled with, read from
// its host and device code: an object whose two halves disagree, or lack the
// tag, reads as undefined.
export function valOf(object: string | Buffer): string | undefined {
  const text = (typeof object === 'string' ? readFileSync(object) : object).toString('latin1');
  const host = /hcl-host-val-(\w+)\0/.exec(text)?.[1];
  const device = /hcl-device-val-(\w+)\0/.exec(text)?.[1];
  return host !== undefined && host === device ? host : undefined;
}
