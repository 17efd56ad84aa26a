// Where rxssh keeps its stdin for the hosts waiting for their turn under -w: a private temp file, so that
// memory stays bounded whatever the size of the input (disk use grows with it, as with clush and pssh).
import { closeSync, mkdtempSync, openSync, read, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The one line a waiting host fails with when the input could not be kept for it. */
const failure = (e: unknown): Error => {
  const why = e instanceof Error ? e.message : String(e);
  return new Error(
    `stdin could not be kept on disk for the hosts waiting their turn (-w): ${why} ` +
      `(temp dir ${tmpdir()}: set TMPDIR to a writable directory with room for stdin)`,
  );
};

/**
 * An append-only temp file of the input: `mkdtemp` under `os.tmpdir()` (mode 0700), the file in it mode
 * 0600, both removed by {@link StdinSpool.close} or, should the process exit first, on its `exit` event.
 * Appends are synchronous (the input's chunks, as they come); reads are asynchronous, at any position
 * already written. A failure (ENOSPC, a read-only tmp) is kept in {@link StdinSpool.error}: the file is
 * removed, and nothing is written any more.
 */
export class StdinSpool {
  #dir: string | undefined;
  #fd: number | undefined;
  #size = 0;
  #error: Error | undefined;
  /** Reads in progress: the descriptor is closed once they are over. */
  #reads = 0;
  #closed = false;
  readonly #onExit = (): void => {
    this.#remove();
  };

  constructor() {
    try {
      this.#dir = mkdtempSync(join(tmpdir(), 'rxssh-stdin-'));
      process.once('exit', this.#onExit);
      this.#fd = openSync(join(this.#dir, 'stdin'), 'wx+', 0o600);
    } catch (e: unknown) {
      this.#fail(e);
    }
  }

  /** Bytes written so far. */
  get size(): number {
    return this.#size;
  }

  /** Why the input could not be kept (a one-line message), if it could not. */
  get error(): Error | undefined {
    return this.#error;
  }

  /** Appends `bytes` (nothing once failed or closed). */
  append(bytes: Buffer): void {
    if (this.#fd === undefined || this.#error !== undefined || this.#closed) return;
    try {
      for (let done = 0; done < bytes.length;)
        done += writeSync(this.#fd, bytes, done, bytes.length - done, this.#size + done);
      this.#size += bytes.length;
    } catch (e: unknown) {
      this.#fail(e);
    }
  }

  /** Up to `length` bytes from `position` (below {@link StdinSpool.size}). */
  async read(position: number, length: number): Promise<Buffer> {
    const fd = this.#fd;
    if (fd === undefined || this.#error !== undefined) throw this.#error ?? failure('closed');
    this.#reads++;
    try {
      const buffer = Buffer.allocUnsafe(length);
      const n = await new Promise<number>((resolve, reject) => {
        read(fd, buffer, 0, length, position, (e, bytesRead) => {
          if (e === null) resolve(bytesRead);
          else reject(e);
        });
      });
      if (n === 0) throw failure('the temp file is shorter than what was written to it');
      return buffer.subarray(0, n);
    } catch (e: unknown) {
      throw this.error ?? failure(e); // failed or closed meanwhile: that error
    } finally {
      this.#reads--;
      this.#closeFd();
    }
  }

  /** Removes the file and its directory (idempotent). */
  close(): void {
    this.#closed = true;
    this.#remove();
  }

  #fail(e: unknown): void {
    this.#error ??= failure(e);
    this.#closed = true;
    this.#remove();
  }

  #remove(): void {
    process.off('exit', this.#onExit);
    const dir = this.#dir;
    this.#dir = undefined;
    // an open file unlinked stays readable by its descriptor: removed at once, closed once reads are over
    try {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    } catch {
      // nothing better to do at the end of a run than leave it to the tmp cleaner
    }
    this.#closeFd();
  }

  #closeFd(): void {
    if (!this.#closed || this.#reads > 0 || this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    closeSync(fd);
  }
}
