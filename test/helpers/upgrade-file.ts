import { appendFileSync, copyFileSync, renameSync, statSync, utimesSync } from 'node:fs';

// An upgraded library as an installer writes it (a new file renamed into
// place) that kept the old mtime: only its bytes, inode and ctime tell.
export function replaceKeepingMtime(file: string): void {
  const { mtime, atime } = statSync(file);
  copyFileSync(file, `${file}.new`);
  appendFileSync(`${file}.new`, Buffer.from('hip-clang-launcher test: a rebuilt library\0'));
  utimesSync(`${file}.new`, atime, mtime);
  renameSync(`${file}.new`, file);
}
