// Helpers shared by the examples of this directory (not an example itself: run-all.ts skips it).
import { defer, map, timer } from 'rxjs';
import type { Observable } from 'rxjs';

/** A line said by an example, and when: in ms since its transcript was made. */
export interface Said {
  readonly text: string;
  readonly at: number;
}

/** What an example says: each line is printed and remembered. */
export interface Transcript {
  /** Every line said since the transcript was made or last reset, with when it was said. */
  readonly said: readonly Said[];
  /** The text of every line said since the transcript was made or last reset. */
  readonly lines: () => string[];
  /** Milliseconds since the transcript was made. */
  readonly elapsed: () => number;
  /** Prints `text` and remembers it. */
  readonly say: (text: string) => void;
  /** Forgets the lines said so far (the clock goes on). */
  readonly reset: () => void;
  /** Says when it starts and ends, waits `ms` in between, and yields `ms` as its result. */
  readonly inOut: (ms: number) => Observable<number>;
}

/** A new, empty transcript; its clock starts now. */
export function makeTranscript(): Transcript {
  const started = performance.now();
  const said: Said[] = [];
  const elapsed = (): number => performance.now() - started;
  const say = (text: string): void => {
    said.push({ text, at: elapsed() });
    console.log(text);
  };
  const inOut = (ms: number): Observable<number> =>
    defer(() => {
      say(`-> inOut(${String(ms)})`);
      return timer(ms).pipe(
        map(() => {
          say(`<- inOut(${String(ms)})`);
          return ms;
        }),
      );
    });
  return {
    said,
    lines: () => said.map((s) => s.text),
    elapsed,
    say,
    reset: () => {
      said.length = 0;
    },
    inOut,
  };
}

/**
 * The `check(ok, what)` of example `name`: when `ok` is false, prints `<name>: MISMATCH: <what>` to stderr
 * and exits with code 1.
 */
export function makeChecker(name: string): (ok: boolean, what: string) => void {
  return (ok, what) => {
    if (ok) return;
    console.error(`${name}: MISMATCH: ${what}`);
    process.exit(1);
  };
}

/** Errors after `ms`. */
export const boom = (ms: number): Observable<never> =>
  timer(ms).pipe(
    map(() => {
      throw new Error(`boom after ${String(ms)} ms`);
    }),
  );
