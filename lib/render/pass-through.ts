// What the progress line and the live view give run-output to write through: a stream around `target`.
import { Writable } from 'node:stream';

/**
 * A stream that calls `before` ahead of each write to `target` and `after` (with the chunk) behind it. A pure
 * pass-through: each write goes to `target` at once (nothing queued, so writes to two wrapped streams keep
 * their order), `target`'s errors stay on `target`, for its own listeners, and a full `target` makes this
 * one full too, so that its writers see back-pressure.
 * @internal
 */
export const passThrough = (
  target: NodeJS.WritableStream,
  before: () => void,
  after: (chunk: Buffer) => void,
): Writable =>
  new Writable({
    write: (chunk: Buffer, _encoding, callback) => {
      before();
      const ok = target.write(chunk);
      after(chunk);
      if (ok) callback();
      else
        target.once('drain', () => {
          callback();
        });
    },
  });
