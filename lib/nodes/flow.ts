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

/** The holds key of a hold on the whole flow (node labels are strings). */
const ALL = Symbol('all');
type HoldKey = string | typeof ALL;

/** What a flow and its views ({@link Flow.forLabel}) share: the holds, the taps and which are paused. */
class Valve {
  /** The holds in place, per node label (`ALL`: holds on the whole flow). */
  readonly holds = new Map<HoldKey, Set<object>>();
  /** Each tap and the label of its node (undefined: unknown, paused by any hold). */
  readonly taps = new Map<FlowTap, string | undefined>();
  readonly paused = new Set<FlowTap>();
  readonly views = new Map<string, Flow>();

  count(key: HoldKey): number {
    return this.holds.get(key)?.size ?? 0;
  }

  /** Whether a tap of `label` must not read: a hold on the whole flow, on its label, or (no label) on any. */
  stops(label: string | undefined): boolean {
    if (this.count(ALL) > 0) return true;
    return label === undefined ? this.holds.size > 0 : this.count(label) > 0;
  }

  /** Pauses or resumes `tap` to match the holds (each call to pause or resume only on a change). */
  sync(tap: FlowTap, label: string | undefined): void {
    const stop = this.stops(label);
    if (stop === this.paused.has(tap)) return;
    if (stop) {
      this.paused.add(tap);
      tap.pause();
    } else {
      this.paused.delete(tap);
      tap.resume();
    }
  }

  /** Syncs the taps that the holds of `key` concern: all of them, or those of one label and of none. */
  syncFor(key: HoldKey): void {
    for (const [tap, label] of [...this.taps])
      if (key === ALL || label === key || label === undefined) this.sync(tap, label);
  }

  hold(key: HoldKey): () => void {
    const token = {};
    let set = this.holds.get(key);
    if (set === undefined) this.holds.set(key, (set = new Set()));
    set.add(token);
    if (set.size === 1) this.syncFor(key);
    return () => {
      if (!set.delete(token)) return;
      if (set.size > 0) return;
      this.holds.delete(key);
      this.syncFor(key);
    };
  }
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
 * A flow may be shared by any number of commands and consumers: one full consumer pauses them all, unless
 * it holds a view of the flow for one node label ({@link Flow.forLabel}), which pauses only the commands
 * of the nodes with that label: `writeHostFiles` does that, so that one host's full file stops that host's
 * commands alone.
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
  #valve = new Valve();
  /** The node label of a view (undefined: the whole flow). */
  #label: string | undefined;
  readonly #waiting = new WeakSet<object>();

  /**
   * Whether some hold stops commands of this flow: any hold for the whole flow; for a view of one label, a
   * hold of the whole flow or of that label.
   */
  get held(): boolean {
    return this.#label === undefined ? this.#valve.holds.size > 0 : this.#valve.stops(this.#label);
  }

  /**
   * Stops the reading of every command on this flow (on a view of one label: of the commands of nodes with
   * that label) until the function returned is called (once is enough).
   */
  hold(): () => void {
    return this.#valve.hold(this.#label ?? ALL);
  }

  /**
   * A view of this flow for the nodes labelled `label`: the same commands and holds, but its own `hold()`
   * and `write()` stop only the commands of those nodes (and of commands whose node is unknown), while a
   * hold of the whole flow still stops them too. The same label gives the same view.
   * @example
   * // each host's file holds only its own host's commands
   * flow.forLabel(event.node.label).write(fileOf(event.node), event.bytes);
   */
  forLabel(label: string): Flow {
    let view = this.#valve.views.get(label);
    if (view === undefined) {
      view = new Flow();
      view.#valve = this.#valve;
      view.#label = label;
      this.#valve.views.set(label, view);
    }
    return view;
  }

  /**
   * Writes `chunk` to `stream` and, when the stream's buffer is then full, holds the flow (or this view)
   * until the stream's `'drain'` (or its `'close'`, `'finish'` or `'error'`; never for a stream already
   * destroyed or ended): the way to write output to a Writable at the pace it takes. Returns what `write()`
   * returned.
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
   * Registers a command's reading (paused at once when a hold concerns it), its node's `label` (default: a
   * view's label; none: any hold pauses it); returns what unregisters it.
   * @internal
   */
  attach(tap: FlowTap, label: string | undefined = this.#label): () => void {
    const valve = this.#valve;
    valve.taps.set(tap, label);
    valve.sync(tap, label);
    return () => {
      // a command that stops (cancelled, or ended) reads again, so that what its output still holds drains
      // and its channel or pipes close; what it reads then goes nowhere
      if (!valve.taps.delete(tap)) return;
      if (valve.paused.delete(tap)) tap.resume();
    };
  }
}
