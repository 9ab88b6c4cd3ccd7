/**
 * One clear sentence for each way opening a library can fail, instead of a stack trace:
 * permissions, read-only media, a full disk, a file where the folder should be, a damaged
 * database. The CLI prints it as one line; the server and the app show it as the error.
 */
import { ContractError } from '../../src-shared/contract/index.js';

/** A library database that failed its integrity check (or is not a database at all). */
export class DamagedLibraryError extends ContractError {
  constructor(
    readonly dataDir: string,
    readonly detail: string,
  ) {
    super('unavailable', damagedLibraryMessage(dataDir, detail));
    this.name = 'DamagedLibraryError';
  }
}

export function damagedLibraryMessage(dataDir: string, detail: string): string {
  return (
    `the library database in ${dataDir} is damaged (${detail}); it was not opened, so nothing more is lost. ` +
    `Copy what is readable into a new library with \`atolye --data-dir ${quoteArg(dataDir)} export-readable --to NEW_FOLDER\`, ` +
    'then use that folder (--data-dir NEW_FOLDER), and keep the damaged one until you have checked the copy.'
  );
}

const codeOf = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** The error to show when the library at `dataDir` cannot be opened. */
export function libraryOpenError(err: unknown, dataDir: string): Error {
  if (err instanceof ContractError) return err;
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  const where = `the library at ${dataDir}`;
  const choose = 'or choose another folder with --data-dir (or ATOLYE_DATA_DIR)';
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return new ContractError('unavailable', `cannot open ${where}: permission denied (this user cannot read or write it). Fix its permissions, ${choose}.`);
    case 'EROFS':
    case 'SQLITE_READONLY':
    case 'SQLITE_READONLY_DIRECTORY':
      return new ContractError('unavailable', `cannot open ${where}: it is on a read-only file system or folder. Make it writable, ${choose}.`);
    case 'ENOSPC':
    case 'EDQUOT':
    case 'SQLITE_FULL':
      return new ContractError('unavailable', `cannot open ${where}: the disk is full. Free some space, ${choose}.`);
    case 'ENOTDIR':
    case 'EEXIST':
      return new ContractError('unavailable', `cannot open ${where}: a file is in the way where a folder should be. Move it, ${choose}.`);
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return new DamagedLibraryError(dataDir, message);
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_IOERR':
      return new ContractError('unavailable', `cannot open ${where}: ${message}. Check its permissions and disk, ${choose}.`);
    default:
      return err instanceof Error ? err : new Error(message);
  }
}

function quoteArg(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
