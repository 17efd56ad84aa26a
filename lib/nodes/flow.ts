/**
 * Back-pressure between the consumers of command output and the commands that produce it.
 * @module
 */

/** Whether a Writable will never emit `'drain'` again. */
const isDone = (stream: NodeJS.WritableStream): boolean => {
  const w = stream as Partial<{ destroyed: boolean; writableEnded: boolean; errored: unknown }>;
  return w.destroyed === true || w.writableEnded === true || (w.errored ?? null) !== null;
};

/** What a {@link Flow} pauses and resumes: the reading of one command's output. @internal */
export interface FlowTap {
  pause(): void;
  resume(): void;
}

/**
 * A valve between slow consumers and the commands whose output they consume. Commands run with
 * `{ flow }` (an exec option, or the `flow` option of an `SshJob`) stop reading their output while the
 * flow is held, and read again once every hold is released: over SSH the channel's window is then not
 * renewed and the remote command blocks on its next write once the window is full (about 2 MiB per
 * channel); a LocalNode's pipes fill and the child blocks the same way. Memory then stays bounded whatever
 * the consumer's speed. Events already on their way (those of the chunk being read) are still delivered.
 *
 * A consumer holds the flow when its sink is full and releases it when the sink drains, as `writeLines`,
 * `writeHostFiles` (both with a `flow` option) and {@link Flow.write} do with a Writable's `write()`
 * result and `'drain'` event. Holds are counted: each `hold()` returns its own release, which is idempotent.
 * A flow may be shared by any number of commands and consumers: one full consumer pauses them all.
 * @example
 * const flow = new Flow();
 * node.exec('cat big.log', { flow, output: 'chunks' }).subscribe((e) => {
 *   if (e.type === 'chunk' && !out.write(e.bytes)) {
 *     const release = flow.hold();
 *     out.once('drain', release);
 *   }
 * });
 * @category constructors
 */
export class Flow {
  readonly #holds = new Set<object>();
  readonly #taps = new Set<FlowTap>();
  readonly #waiting = new WeakSet<object>();

  /** Whether some hold is in place (commands are not reading). */
  get held(): boolean {
    return this.#holds.size > 0;
  }

  /** Stops the reading of every command on this flow until the function returned is called (once is enough). */
  hold(): () => void {
    const token = {};
    this.#holds.add(token);
    if (this.#holds.size === 1) for (const tap of [...this.#taps]) tap.pause();
    return () => {
      if (!this.#holds.delete(token) || this.#holds.size > 0) return;
      for (const tap of [...this.#taps]) tap.resume();
    };
  }

  /**
   * Writes `chunk` to `stream` and, when the stream's buffer is then full, holds the flow until the stream's
   * `'drain'` (or its `'close'`, `'finish'` or `'error'`; never for a stream already destroyed or ended): the way to write output to a Writable at the pace it takes. Returns what
   * `write()` returned.
   * @example
   * node.exec('cat big.log', { flow, output: 'chunks' }).subscribe((e) => {
   *   if (e.type === 'chunk') flow.write(process.stdout, e.bytes);
   * });
   */
  write(stream: NodeJS.WritableStream, chunk: Uint8Array | string): boolean {
    const ok = stream.write(chunk);
    // a stream that will never drain (destroyed, ended, errored) must not hold the flow for good
    if (!ok && !this.#waiting.has(stream) && !isDone(stream)) {
      const release = this.hold();
      this.#waiting.add(stream);
      const events = ['drain', 'close', 'finish', 'error'] as const;
      const done = (): void => {
        this.#waiting.delete(stream);
        for (const event of events) stream.removeListener(event, done);
        release();
      };
      for (const event of events) stream.on(event, done);
    }
    return ok;
  }

  /**
   * Registers a command's reading (paused at once when the flow is held); returns what unregisters it.
   * @internal
   */
  attach(tap: FlowTap): () => void {
    this.#taps.add(tap);
    if (this.held) tap.pause();
    return () => {
      // a command that stops (cancelled, or ended) reads again, so that what its output still holds drains
      // and its channel or pipes close; what it reads then goes nowhere
      if (this.#taps.delete(tap) && this.held) tap.resume();
    };
  }
}
