/**
 * A command's stdin, written to an ssh2 channel or a child process's stdin: fixed bytes, or a stream read
 * as fast as the command takes it.
 * @module
 */
import type { Observable } from 'rxjs';
import { isObservable, Subscription } from 'rxjs';

/** A piece of a command's stdin: bytes, or text (sent as UTF-8). @category models */
export type StdinChunk = Uint8Array | string;

/**
 * A stream for a command's stdin, read once per run of the command, and whose end ends the command's stdin:
 * - an `AsyncIterable` (a Node.js `Readable`, an async generator): read only as fast as the command reads
 *   it (back-pressure), so a slow command never makes memory grow. A `Readable` can be read only once, and
 *   is destroyed when the command ends or is cancelled before reading it all (as `pipeline` does); an
 *   object whose `[Symbol.asyncIterator]()` starts afresh works for every run.
 * - an `Observable`: subscribed when the command starts, unsubscribed when it ends or is cancelled. An
 *   Observable cannot be paused: what it emits faster than the command reads waits in memory.
 * An error of the stream errors the command's stream (and the command is killed).
 * @category models
 */
export type StdinStream = Observable<StdinChunk> | AsyncIterable<StdinChunk>;

/** Where stdin goes: an ssh2 channel, or a child process's stdin. @internal */
export interface StdinTarget {
  write(chunk: StdinChunk): boolean;
  end(): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/** Whether `x` is a {@link StdinStream} (options may come from JavaScript, unchecked). @internal */
export const isStdinStream = (x: unknown): x is StdinStream =>
  isObservable(x) ||
  (typeof x === 'object' &&
    x !== null &&
    typeof (x as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function');

const badChunk = (chunk: unknown): TypeError =>
  new TypeError(
    `stdin: a stream must give strings or bytes (Uint8Array, Buffer), got ${chunk === null ? 'null' : typeof chunk}`,
  );

const isChunk = (chunk: unknown): chunk is StdinChunk =>
  typeof chunk === 'string' || chunk instanceof Uint8Array;

/**
 * Writes `head` (when not empty), then `stdin`, to `target`, then ends it (at once, without `stdin`). Returns
 * the function that stops the feed (idempotent; called when the command ends, or is cancelled): it
 * unsubscribes an Observable, and returns an iterator (destroying a stream) that was not read to its end.
 * `onError` is called, at most once, with the error of a stream (or a bad chunk); the feed stops there.
 * @internal
 */
export function feedStdin(
  target: StdinTarget,
  head: string,
  stdin: string | Buffer | StdinStream | undefined,
  onError: (e: unknown) => void,
): () => void {
  if (head !== '') target.write(head);
  if (stdin === undefined || typeof stdin === 'string' || Buffer.isBuffer(stdin)) {
    if (stdin !== undefined && stdin.length > 0) target.write(stdin);
    target.end();
    return () => undefined;
  }
  return isObservable(stdin) ? subscribeInto(target, stdin, onError) : pullInto(target, stdin, onError);
}

/**
 * Ends a stdin stream that will not be read (its command ended before its feed started): destroys a
 * `Readable`, returns an iterable that is its own iterator (an async generator); an Observable was never
 * subscribed. @internal
 */
export function dropStdin(stdin: string | Buffer | StdinStream | undefined): void {
  if (stdin === undefined || typeof stdin === 'string' || Buffer.isBuffer(stdin) || isObservable(stdin))
    return;
  const { destroy, return: end } = stdin as { destroy?: unknown; return?: unknown };
  if (typeof destroy === 'function') (destroy as () => void).call(stdin);
  else if (typeof end === 'function')
    void Promise.resolve((end as () => unknown).call(stdin)).catch(() => undefined);
}

function subscribeInto(
  target: StdinTarget,
  source: Observable<StdinChunk>,
  onError: (e: unknown) => void,
): () => void {
  let stopped = false;
  const subscription = new Subscription();
  const stop = (): void => {
    stopped = true;
    subscription.unsubscribe();
  };
  const fail = (e: unknown): void => {
    if (stopped) return;
    stop();
    onError(e);
  };
  // added to a closed subscription (the source failed while subscribing), it is unsubscribed at once
  subscription.add(
    source.subscribe({
      next: (chunk) => {
        if (stopped) return;
        if (isChunk(chunk)) target.write(chunk);
        else fail(badChunk(chunk));
      },
      error: fail,
      complete: () => {
        if (!stopped) target.end();
      },
    }),
  );
  return stop;
}

function pullInto(
  target: StdinTarget,
  source: AsyncIterable<StdinChunk>,
  onError: (e: unknown) => void,
): () => void {
  let stopped = false;
  let exhausted = false; // the iterator ended (done or threw): nothing to return
  let iterator: AsyncIterator<StdinChunk> | undefined;
  let wake: (() => void) | undefined;
  const isStopped = (): boolean => stopped; // set by stop() while the pump awaits
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    target.off('close', stop);
    wake?.();
    if (exhausted) return;
    // not awaited: an async generator's return() waits for a pending next(), maybe for ever (an idle pipe)
    void Promise.resolve(iterator?.return?.()).catch(() => undefined);
    const destroy = (source as { destroy?: unknown }).destroy;
    if (typeof destroy === 'function') (destroy as () => void).call(source);
  };
  target.once('close', stop); // the command is gone: nothing more to read for it
  const drained = (): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        target.off('drain', done);
        wake = undefined;
        resolve();
      };
      wake = done;
      target.once('drain', done);
    });
  const pump = async (): Promise<void> => {
    iterator = source[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<StdinChunk>;
      try {
        next = await iterator.next();
      } catch (e: unknown) {
        exhausted = true;
        throw e;
      }
      if (stopped) return;
      if (next.done === true) {
        exhausted = true;
        target.off('close', stop);
        target.end();
        return;
      }
      if (!isChunk(next.value)) throw badChunk(next.value);
      if (!target.write(next.value)) await drained();
      if (isStopped()) return;
    }
  };
  pump().catch((e: unknown) => {
    if (stopped) return;
    stop();
    onError(e);
  });
  return stop;
}
