import fs from 'node:fs';
import path from 'node:path';
import { ContractError } from '../../src-shared/contract/index.js';

/**
 * One engine per library: a second process (the app and `atolye import` at once) would be
 * a second SQLite writer and a second lease owner. The lock is a pid file created with
 * O_EXCL; a lock whose process is gone (a crash, SIGKILL) is stale and taken over.
 */
export class DataDirLock {
  private constructor(private readonly file: string) {}

  static acquire(dataDir: string): DataDirLock {
    const file = path.join(dataDir, 'engine.lock');
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
        return new DataDirLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new ContractError(
          'unavailable',
          `the library at ${dataDir} is open in another Atölye process (pid ${holder}: the app or \`atolye serve\`); close it first, or use another --data-dir`,
        );
      }
      fs.rmSync(file, { force: true }); // stale: its process is gone
    }
    throw new ContractError('unavailable', `cannot lock the library at ${dataDir}`);
  }

  release(): void {
    try {
      if (fs.readFileSync(this.file, 'utf8').trim() === String(process.pid)) fs.rmSync(this.file, { force: true });
    } catch {
      /* already gone */
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
