// rxssh's stdin, read once and given to the command of every host, as it comes (`tail -f log | rxssh ... cat`).
import type { Readable } from 'node:stream';

/** How far (bytes) a host that is reading may lag behind the input before the input is paused. */
const HIGH_WATER = 1024 * 1024;

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
  /** A read waiting for a chunk or the end. */
  wake: (() => void) | undefined;
}

/**
 * The input (rxssh's stdin), read once and fanned out: each {@link StdinFanout.source} yields every chunk
 * from the start, for one host's command. The input is read only once a command reads its source, and is
 * paused while a command that reads lags more than 1 MiB behind (its channel full: a slow host), until
 * every such command is back under it: memory stays bounded whatever the speed of the hosts. Hosts whose
 * command has not started yet (waiting for their turn under `-w`) will get everything from the start: what
 * they have not read stays in memory meanwhile, once for all of them. A source released (its host done) no
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

  /** `open` gives the input, when a command first reads it (`() => process.stdin`). */
  constructor(open: () => Readable) {
    this.#open = open;
  }

  /** A source for one host's command (read once; an async iterable of the input's chunks). */
  source(): AsyncIterable<Buffer> & { release(): void } {
    const cursor: Cursor = {
      pos: this.#base,
      lag: 0,
      active: false,
      released: false,
      full: false,
      wake: undefined,
    };
    for (const chunk of this.#chunks) {
      chunk.remaining++;
      cursor.lag += chunk.bytes.length;
    }
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
  }

  #iterate(cursor: Cursor): AsyncIterator<Buffer> {
    if (cursor.active || cursor.released)
      return { next: () => Promise.resolve({ done: true, value: undefined }) };
    cursor.active = true;
    this.#count(cursor);
    this.#start();
    const done = { done: true, value: undefined } as const;
    return {
      next: async () => {
        for (;;) {
          if (cursor.released) return done;
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
    const chunk: Chunk = { bytes, remaining: 0 };
    for (const cursor of this.#cursors) {
      chunk.remaining++;
      cursor.lag += bytes.length;
      this.#count(cursor);
      this.#wake(cursor);
    }
    if (chunk.remaining > 0) this.#chunks.push(chunk);
    else this.#base++; // nobody left to read it
    if (this.#full > 0) this.#input?.pause();
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

  /**
   * Drops the chunks at the front that nobody needs any more. A chunk is needed by the sources that have not
   * passed it, so the counts never decrease along the list: the chunks nobody needs are at its front.
   */
  #trim(): void {
    while (this.#chunks[0] !== undefined && this.#chunks[0].remaining === 0) {
      this.#chunks.shift();
      this.#base++;
    }
  }

  #release(cursor: Cursor): void {
    if (cursor.released) return;
    cursor.released = true;
    this.#cursors.delete(cursor);
    for (let i = cursor.pos - this.#base; i < this.#chunks.length; i++) {
      const chunk = this.#chunks[i];
      if (chunk !== undefined) chunk.remaining--;
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
