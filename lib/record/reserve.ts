/**
 * Room kept on the disk of a run directory for what matters when the disk fills: the journal and the end.
 * @module
 */
import { rmSync, statSync, truncateSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The file that holds the room, in the run directory (removed at the end; a crash may leave it). */
export const RESERVE_FILE = '.reserve';
/** The room kept: the journal of a few hundred jobs, and run.json. */
const RESERVE_BYTES = 128 * 1024;
/** What is kept for run.json's end once the journal had the rest. */
const END_BYTES = 16 * 1024;

/**
 * The room kept in a run directory: a file of zeros written at the start (a filesystem allocates them), given
 * back when a write finds the disk full: all but {@link END_BYTES} to the journal (`forJournal()`), the rest
 * to run.json at the end (`release()`). Outputs never get it: they are what a full disk cuts.
 * @internal
 */
export class SpaceReserve {
  readonly #path: string;
  #state: 'none' | 'full' | 'end' = 'none';

  constructor(dir: string) {
    this.#path = join(dir, RESERVE_FILE);
  }

  /** Writes the file; a disk too full for it records without (never fails). */
  async keep(): Promise<void> {
    try {
      await writeFile(this.#path, Buffer.alloc(RESERVE_BYTES));
      this.#state = 'full';
    } catch {
      await rm(this.#path, { force: true }).catch(() => undefined);
    }
  }

  /** Gives the journal all of the room but what the end needs; true when it made some. */
  readonly forJournal = (): boolean => {
    if (this.#state !== 'full') return false;
    try {
      truncateSync(this.#path, END_BYTES);
      this.#state = 'end';
      return true;
    } catch {
      return this.release();
    }
  };

  /**
   * Room for the journal when the disk is full: the room kept, or when there is none (the disk was too full
   * for it at the start), the last {@link RESERVE_BYTES} of the output file that found the disk full (its
   * output is cut anyway; the journal is what a report and a resume read).
   */
  readonly afterOutput = (output: string): void => {
    if (this.forJournal()) return;
    try {
      truncateSync(output, Math.max(0, statSync(output).size - RESERVE_BYTES));
    } catch {
      // nothing more to give
    }
  };

  /** Gives back all of the room (before the end is written); true when it made some. */
  readonly release = (): boolean => {
    if (this.#state === 'none') return false;
    this.#state = 'none';
    try {
      rmSync(this.#path, { force: true });
      return true;
    } catch {
      return false;
    }
  };
}
