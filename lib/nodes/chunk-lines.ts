import type { ChunkEvent, LineEvent, NodeRef, OutputStream } from './command-event.js';
import { bytesOf } from './command-event.js';
import { LineSplitter } from './line-splitter.js';

type Splitters = Partial<Record<OutputStream, LineSplitter>>;

/**
 * A node reference as a map key: by value, not identity, so that the copies of events (`structuredClone`
 * copies the node too) still find their source.
 */
const keyOf = (node: NodeRef): string =>
  `${node.label}\0${node.hostname}\0${node.username ?? ''}\0${String(node.port ?? '')}`;

/**
 * Cuts the chunk events of one or several command streams back into lines: one {@link LineSplitter} per
 * source and output stream, so that the lines of two sources never mix. A source is a node (told apart by the
 * fields of its reference: two nodes with the same label, host, user and port are one source), within an
 * `owner` (the job whose value events carry the chunks, when two jobs may run commands on one node at once;
 * `undefined` for a plain command stream). Splitters are made on a source's first chunk and dropped by
 * `end()`, at its exit event.
 * @internal
 */
export class ChunkLines {
  readonly #owners = new Map<unknown, Map<string, Splitters>>();
  readonly #max: number | undefined;

  /** `maxLineBytes`: longer lines come out in pieces (see `LineEvent.continues`); default 1 MiB. */
  constructor(maxLineBytes?: number) {
    this.#max = maxLineBytes;
  }

  #splitter(owner: unknown, chunk: ChunkEvent): LineSplitter {
    let nodes = this.#owners.get(owner);
    if (nodes === undefined) {
      nodes = new Map();
      this.#owners.set(owner, nodes);
    }
    const key = keyOf(chunk.node);
    let splitters = nodes.get(key);
    if (splitters === undefined) {
      splitters = {};
      nodes.set(key, splitters);
    }
    return (splitters[chunk.stream] ??= new LineSplitter(chunk.stream, chunk.node, this.#max));
  }

  /** Emits the lines that `chunk` completes for its source. */
  push(owner: unknown, chunk: ChunkEvent, emit: (line: LineEvent) => void): void {
    this.#splitter(owner, chunk).push(bytesOf(chunk), emit);
  }

  /**
   * The bytes of the lines that `chunk` completes for its source, with their `\n`, as parts to write one
   * after the other (see {@link LineSplitter.cut}).
   */
  cut(owner: unknown, chunk: ChunkEvent): Buffer[] {
    return this.#splitter(owner, chunk).cut(bytesOf(chunk));
  }

  /**
   * The bytes of the lines that `chunk` completes for its source, as {@link LineSplitter.cutLines} gives them:
   * `undefined` (nothing taken) when the line left open would be too long, to be given to {@link push} instead.
   */
  cutLines(owner: unknown, chunk: ChunkEvent): Buffer[] | undefined {
    return this.#splitter(owner, chunk).cutLines(bytesOf(chunk));
  }

  /** Emits the last partial lines of `node` within `owner` (stdout's, then stderr's), and forgets it. */
  end(owner: unknown, node: NodeRef, emit: (line: LineEvent) => void): void {
    const nodes = this.#owners.get(owner);
    const key = keyOf(node);
    const splitters = nodes?.get(key);
    if (nodes === undefined || splitters === undefined) return;
    nodes.delete(key);
    if (nodes.size === 0) this.#owners.delete(owner);
    splitters.stdout?.end(emit);
    splitters.stderr?.end(emit);
  }

  /** Emits the last partial lines of every source, and forgets them all. */
  endAll(emit: (line: LineEvent) => void): void {
    const owners = [...this.#owners.values()];
    this.#owners.clear();
    for (const nodes of owners)
      for (const splitters of nodes.values()) {
        splitters.stdout?.end(emit);
        splitters.stderr?.end(emit);
      }
  }
}
