// rxssh's stdin, read once and given to the command of every host, as it comes (`tail -f log | rxssh ... cat`).
import type { Readable } from 'node:stream';

import { StdinSpool } from './stdin-spool.js';

/** How far (bytes) a host that is reading may lag behind the input before the input is paused. */
const HIGH_WATER = 1024 * 1024;
/** How much of the input (bytes) may wait in memory for hosts that do not read yet, before going to disk. */
const SPILL_AT = 8 * 1024 * 1024;
/** The most read from the temp file at once. */
const READ_SIZE = 64 * 1024;

interface Chunk {
  readonly bytes: Buffer;
  /** Sources (not released) that have not read it yet: at 0, it is dropped. */
  remaining: number;
}

/** One host's view of the input: where it is, and whether its command reads it yet. */
interface Cursor {
  /** Absolute index of the next chunk to read. */
  pos: number;
  /** Bytes from `pos` to the end of what was read from the input. */
  lag: number;
  /** Its command started reading. */
  active: boolean;
  released: boolean;
  /** Counted in `full` (active, and lagging more than the high-water mark). */
  full: boolean;
  /** Where it is in the temp file, while it reads from there (not from `#chunks`). */
  spooled: number | undefined;
  /** A read waiting for a chunk or the end. */
  wake: (() => void) | undefined;
}

/**
 * The input (rxssh's stdin), read once and fanned out: each {@link StdinFanout.source} yields every chunk
 * from the start, for one host's command. The input is read only once a command reads its source, and is
 * paused while a command that reads lags more than 1 MiB behind (its channel full: a slow host), until
 * every such command is back under it: memory stays bounded whatever the speed of the hosts.
 *
 * Hosts whose command has not started yet (waiting for their turn under `-w`) will get everything from the
 * start. What they have not read waits in memory, once for all of them, up to 8 MiB; past that, it goes to
 * a private temp file ({@link StdinSpool}: under `os.tmpdir()`, mode 0600, removed when the fanout is
 * closed or the process exits), appended to as the input comes, which they read when their turn comes
 * before going on with the live input. Disk use then grows with the input (a `tail -f` under `-w` fills it
 * for as long as hosts wait), as with clush and pssh. Should the file not be written (ENOSPC, a read-only
 * tmp), the waiting hosts fail with that one line; the others go on. A source released (its host done) no
 * longer holds anything.
 */
export class StdinFanout {
  readonly #open: () => Readable;
  #input: Readable | undefined;
  readonly #chunks: Chunk[] = [];
  /** Absolute index of `#chunks[0]`. */
  #base = 0;
  #ended = false;
  readonly #cursors = new Set<Cursor>();
  /** How many active cursors lag more than the high-water mark. */
  #full = 0;
  /** Bytes in `#chunks`. */
  #bytes = 0;
  /** The temp file for the hosts waiting for their turn, once what they wait for passed `SPILL_AT`. */
  #spool: StdinSpool | undefined;
  /** How many cursors (not released) read from `#spool`, or will. */
  #spooledCursors = 0;

  /** `open` gives the input, when a command first reads it (`() => process.stdin`). */
  constructor(open: () => Readable) {
    this.#open = open;
  }

  /** A source for one host's command (read once; an async iterable of the input's chunks). */
  source(): AsyncIterable<Buffer> & { release(): void } {
    // they all start at the first chunk: the temp file, once there, holds the input from its start
    if (this.#input !== undefined)
      throw new Error('StdinFanout: every source is taken before the input is read');
    const cursor: Cursor = {
      pos: this.#base,
      lag: 0,
      active: false,
      released: false,
      full: false,
      spooled: undefined,
      wake: undefined,
    };
    this.#cursors.add(cursor);
    return {
      [Symbol.asyncIterator]: () => this.#iterate(cursor),
      release: () => {
        this.#release(cursor);
      },
    };
  }

  /** Stops reading the input (once the run is over: a `tail -f` never ends it). */
  close(): void {
    for (const cursor of this.#cursors) this.#release(cursor);
    this.#input?.destroy();
    this.#spool?.close();
  }

  #iterate(cursor: Cursor): AsyncIterator<Buffer> {
    if (cursor.active || cursor.released)
      return { next: () => Promise.resolve({ done: true, value: undefined }) };
    cursor.active = true;
    this.#count(cursor);
    this.#start();
    const done = { done: true, value: undefined } as const;
    const isReleased = (): boolean => cursor.released; // set by release() while next() awaits
    return {
      next: async () => {
        for (;;) {
          if (cursor.released) return done;
          if (cursor.spooled !== undefined) {
            const bytes = await this.#readSpool(cursor, cursor.spooled);
            if (bytes === undefined) continue; // caught up with the input: from memory now
            if (isReleased()) return done; // while it read
            return { done: false, value: bytes };
          }
          const chunk = this.#chunks[cursor.pos - this.#base];
          if (chunk !== undefined) {
            this.#advance(cursor, chunk);
            return { done: false, value: chunk.bytes };
          }
          if (this.#ended) {
            this.#release(cursor);
            return done;
          }
          await new Promise<void>((resolve) => {
            cursor.wake = resolve;
          });
        }
      },
      return: () => {
        this.#release(cursor);
        return Promise.resolve(done);
      },
    };
  }

  #start(): void {
    if (this.#input !== undefined) return;
    const input = this.#open();
    this.#input = input;
    input.on('data', (data: Buffer | string) => {
      this.#push(typeof data === 'string' ? Buffer.from(data) : data);
    });
    const end = (): void => {
      this.#ended = true;
      for (const cursor of this.#cursors) this.#wake(cursor);
    };
    input.on('end', end);
    input.on('error', end); // an unreadable stdin (EIO...): what came is all there is
    input.on('close', end);
  }

  #push(bytes: Buffer): void {
    if (this.#spooledCursors > 0) {
      this.#spool?.append(bytes); // on a failure, its readers fail when they read
    }
    const chunk: Chunk = { bytes, remaining: 0 };
    for (const cursor of this.#cursors) {
      if (cursor.spooled !== undefined) continue; // it reads the temp file
      chunk.remaining++;
      cursor.lag += bytes.length;
      this.#count(cursor);
      this.#wake(cursor);
    }
    if (chunk.remaining > 0) {
      this.#chunks.push(chunk);
      this.#bytes += bytes.length;
    } else this.#base++; // nobody left to read it
    if (this.#bytes > SPILL_AT && this.#spool === undefined) this.#spill();
    if (this.#full > 0) this.#input?.pause();
  }

  /**
   * Moves the hosts waiting for their turn to the temp file: what is in memory goes there (it holds the
   * input from its start: nothing was dropped while they waited), and so will what comes, while they read
   * from it.
   */
  #spill(): void {
    const waiting = [...this.#cursors].filter((c) => !c.active);
    if (waiting.length === 0) return;
    const spool = new StdinSpool();
    this.#spool = spool;
    for (const chunk of this.#chunks) spool.append(chunk.bytes);
    for (const cursor of waiting) {
      this.#unhold(cursor);
      cursor.spooled = 0;
      cursor.lag = 0;
      this.#spooledCursors++;
    }
    this.#trim();
  }

  /**
   * The next bytes of the temp file for `cursor`; none once it caught up with the input, the cursor then
   * reading from memory (the file holds everything pushed so far: the chunks that come next are in memory).
   */
  async #readSpool(cursor: Cursor, at: number): Promise<Buffer | undefined> {
    const spool = this.#spool;
    if (spool === undefined) throw new Error('StdinFanout: no temp file for a source reading from it');
    if (spool.error !== undefined) throw spool.error;
    if (at < spool.size) {
      const bytes = await spool.read(at, Math.min(READ_SIZE, spool.size - at));
      if (!cursor.released) cursor.spooled = at + bytes.length;
      return bytes;
    }
    cursor.spooled = undefined;
    cursor.pos = this.#base + this.#chunks.length;
    cursor.lag = 0;
    this.#unspool();
    return undefined;
  }

  /** One cursor less reads from the temp file: with none left, it is removed at once. */
  #unspool(): void {
    this.#spooledCursors--;
    if (this.#spooledCursors === 0) this.#spool?.close();
  }

  #advance(cursor: Cursor, chunk: Chunk): void {
    cursor.pos++;
    cursor.lag -= chunk.bytes.length;
    this.#count(cursor);
    this.#drop(chunk);
  }

  /** One reader less for `chunk`. */
  #drop(chunk: Chunk): void {
    chunk.remaining--;
    this.#trim();
  }

  /** `cursor` no longer needs the chunks from its position on. */
  #unhold(cursor: Cursor): void {
    for (let i = cursor.pos - this.#base; i < this.#chunks.length; i++) {
      const chunk = this.#chunks[i];
      if (chunk !== undefined) chunk.remaining--;
    }
  }

  /**
   * Drops the chunks at the front that nobody needs any more. A chunk is needed by the sources that have not
   * passed it, so the counts never decrease along the list: the chunks nobody needs are at its front.
   */
  #trim(): void {
    while (this.#chunks[0] !== undefined && this.#chunks[0].remaining === 0) {
      this.#bytes -= this.#chunks[0].bytes.length;
      this.#chunks.shift();
      this.#base++;
    }
  }

  #release(cursor: Cursor): void {
    if (cursor.released) return;
    cursor.released = true;
    this.#cursors.delete(cursor);
    if (cursor.spooled === undefined) this.#unhold(cursor);
    else {
      cursor.spooled = undefined;
      this.#unspool();
    }
    this.#trim();
    cursor.lag = 0;
    this.#count(cursor);
    this.#wake(cursor);
  }

  /** Keeps `#full` up to date for `cursor`, and resumes the input when no reader is behind any more. */
  #count(cursor: Cursor): void {
    const full = cursor.active && !cursor.released && cursor.lag > HIGH_WATER;
    if (full === cursor.full) return;
    cursor.full = full;
    this.#full += full ? 1 : -1;
    if (this.#full === 0) this.#input?.resume();
  }

  #wake(cursor: Cursor): void {
    const wake = cursor.wake;
    cursor.wake = undefined;
    wake?.();
  }
}
