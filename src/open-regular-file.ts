import { closeSync, constants, fstatSync, lstatSync, openSync } from 'node:fs';
import { HclError } from './errors.js';

// Opens a file someone else could have planted (a log, say) for reading:
// never through a symlink, never a FIFO, device or directory. O_NOFOLLOW
// refuses a symlink in the last component, O_NONBLOCK keeps a FIFO from
// blocking the open, and fstat on the open descriptor checks what was opened,
// not what a name pointed to a moment earlier. Windows has neither flag: an
// lstat first refuses a symlink or junction there.
export function openRegularFile(file: string, what: string): number {
  let fd: number;
  try {
    if (process.platform === 'win32' && lstatSync(file).isSymbolicLink()) throw Object.assign(new Error('symlink'), { code: 'ELOOP' });
    const flags = process.platform === 'win32' ? constants.O_RDONLY : constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
    fd = openSync(file, flags);
  } catch (error) {
    throw unreadable(file, what, error as NodeJS.ErrnoException);
  }
  let regular = false;
  try {
    regular = fstatSync(fd).isFile();
  } finally {
    if (!regular) closeSync(fd);
  }
  if (!regular) throw new HclError('unreadable-file', `${what} ${file} is not a regular file`, `give the path of the ${what} itself`);
  return fd;
}

function unreadable(file: string, what: string, error: NodeJS.ErrnoException): HclError {
  switch (error.code) {
    case 'ENOENT':
      return new HclError('unreadable-file', `${what} ${file} does not exist`, 'check the path', { cause: error });
    case 'ELOOP':
      return new HclError('unreadable-file', `${what} ${file} is a symbolic link, which is not followed`, `give the path of the ${what} itself`, { cause: error });
    case 'EACCES':
    case 'EPERM':
      return new HclError('unreadable-file', `${what} ${file} cannot be read: permission denied`, 'run as a user who can read it', { cause: error });
    default:
      return new HclError('unreadable-file', `${what} ${file} cannot be opened: ${error.message}`, 'check the path', { cause: error });
  }
}
