/**
 * Where API keys rest. The desktop app should hand the engine a box backed by the OS
 * keychain (Electron's safeStorage, which only the main process reaches) through the
 * feature's settings; without one (web mode, CLI, tests) keys are sealed with AES-256-GCM
 * under a random key kept in a file beside the library that only its owner may read. A key
 * file anyone else can read is refused rather than trusted: the sealed keys would be as
 * good as plain text.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface SecretBox {
  readonly kind: 'os-keychain' | 'key-file';
  seal(plain: string): Buffer;
  open(sealed: Buffer): string;
}

/** No box can be made: keys cannot be stored (the reason says why). */
export class SecretStorageError extends Error {
  override name = 'SecretStorageError';
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Format byte first, so a later scheme can be told apart. */
const VERSION = 1;

/** AES-256-GCM with a key file (created 0600 on first use). */
export class KeyFileBox implements SecretBox {
  readonly kind = 'key-file';
  private cached: { key: Buffer; mtimeMs: number; ino: number } | null = null;

  constructor(readonly keyFile: string) {}

  seal(plain: string): Buffer {
    const key = this.key(true);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
  }

  open(sealed: Buffer): string {
    if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) throw new SecretStorageError('a stored key is damaged (unknown format)');
    const key = this.key(false);
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretStorageError(`a stored key cannot be opened with ${this.keyFile} (the key file was replaced?): add the key again`);
    }
  }

  /** Why keys cannot be stored here, or null when they can. */
  problem(): string | null {
    try {
      this.key(false);
      return null;
    } catch (err) {
      if (err instanceof SecretStorageError && /does not exist/.test(err.message)) return null;
      return (err as Error).message;
    }
  }

  /** The key, checked on every use: a file made readable to others since is refused from then on. */
  private key(create: boolean): Buffer {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.keyFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new SecretStorageError(`cannot read ${this.keyFile}: ${(err as Error).message}`);
      if (!create) throw new SecretStorageError(`${this.keyFile} does not exist`);
      fs.mkdirSync(path.dirname(this.keyFile), { recursive: true });
      // 'wx': never overwrite a key file another process made meanwhile (it would orphan its keys).
      try {
        fs.writeFileSync(this.keyFile, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      return this.key(false);
    }
    // POSIX only: Windows has ACLs (a profile folder is the user's own), not mode bits.
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new SecretStorageError(`${this.keyFile} can be read by other users (mode ${(st.mode & 0o777).toString(8)}): run chmod 600 on it, then try again`);
    }
    if (this.cached && this.cached.mtimeMs === st.mtimeMs && this.cached.ino === st.ino) return this.cached.key;
    const key = fs.readFileSync(this.keyFile);
    if (key.length !== KEY_BYTES) throw new SecretStorageError(`${this.keyFile} is not a key file (${key.length} bytes, expected ${KEY_BYTES})`);
    this.cached = { key, mtimeMs: st.mtimeMs, ino: st.ino };
    return key;
  }
}
