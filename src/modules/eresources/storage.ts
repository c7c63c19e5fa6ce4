import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

const SHA = /^[0-9a-f]{64}$/;

/** A file being written before its hash is known. */
export interface TempBlob {
  /** Where to write the bytes. */
  readonly stream: fs.WriteStream;
  /** Moves the bytes to their content address; false when that address already held them. */
  commit(sha256: string): Promise<boolean>;
  /** Deletes what was written (idempotent). */
  abort(): Promise<void>;
  /** Local path of the bytes while they are temporary (for checks such as reading a zip directory). */
  readonly tempPath: string;
}

/**
 * Where the bytes of e-resource files live, by SHA-256. Local disk by default; an object store fits
 * the same interface (`localPath` then returns null and the file endpoint streams `read` instead).
 */
export interface BlobStorage {
  createTemp(): Promise<TempBlob>;
  exists(sha256: string): Promise<boolean>;
  /** Absolute local path (for ranged serving with sendfile-like efficiency), or null. */
  localPath(sha256: string): string | null;
  read(sha256: string, range?: { start: number; end: number }): fs.ReadStream;
  remove(sha256: string): Promise<void>;
  /** Deletes temporary files older than `ms` (left by a process that died mid-upload). */
  sweepTemp(olderThanMs: number): Promise<number>;
}

/** Content-addressed files under `<root>/sha256/ab/cd/<hash>`, temporary uploads under `<root>/tmp`. */
export class LocalDiskStorage implements BlobStorage {
  private readonly tmpDir: string;

  constructor(readonly root: string) {
    this.tmpDir = path.join(root, 'tmp');
  }

  private blobPath(sha256: string): string {
    if (!SHA.test(sha256)) throw new Error('not a sha256');
    return path.join(this.root, 'sha256', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async createTemp(): Promise<TempBlob> {
    await fsp.mkdir(this.tmpDir, { recursive: true });
    const tempPath = path.join(this.tmpDir, `${Date.now()}-${randomBytes(8).toString('hex')}.part`);
    const stream = fs.createWriteStream(tempPath, { flags: 'wx', highWaterMark: 1024 * 1024 });
    let done = false;
    const abort = async () => {
      if (done) return;
      done = true;
      // the file is opened asynchronously: wait until the stream has closed it, or rm could run first
      if (!stream.closed) await new Promise<void>((resolve) => {
        stream.once('close', () => resolve());
        stream.destroy();
      });
      await fsp.rm(tempPath, { force: true });
    };
    return {
      stream,
      tempPath,
      abort,
      commit: async (sha256: string) => {
        const dest = this.blobPath(sha256);
        done = true;
        if (await this.exists(sha256)) {
          await fsp.rm(tempPath, { force: true });
          return false;
        }
        await fsp.mkdir(path.dirname(dest), { recursive: true });
        await fsp.rename(tempPath, dest);
        return true;
      },
    };
  }

  async exists(sha256: string): Promise<boolean> {
    try {
      await fsp.access(this.blobPath(sha256));
      return true;
    } catch {
      return false;
    }
  }

  localPath(sha256: string): string {
    return this.blobPath(sha256);
  }

  read(sha256: string, range?: { start: number; end: number }): fs.ReadStream {
    return fs.createReadStream(this.blobPath(sha256), { ...range, highWaterMark: 256 * 1024 });
  }

  async remove(sha256: string): Promise<void> {
    await fsp.rm(this.blobPath(sha256), { force: true });
  }

  async sweepTemp(olderThanMs: number): Promise<number> {
    let names: string[];
    try {
      names = await fsp.readdir(this.tmpDir);
    } catch {
      return 0;
    }
    let n = 0;
    for (const name of names) {
      const p = path.join(this.tmpDir, name);
      const st = await fsp.stat(p).catch(() => null);
      if (st && Date.now() - st.mtimeMs > olderThanMs) {
        await fsp.rm(p, { force: true });
        n++;
      }
    }
    return n;
  }
}

let storage: BlobStorage | null = null;

/** The process's storage (local disk under `<SHELFNET_DATA_DIR>/files`). */
export function blobStorage(dataDir: string): BlobStorage {
  storage ??= new LocalDiskStorage(path.join(dataDir, 'files'));
  return storage;
}
