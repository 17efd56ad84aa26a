/**
 * The events of one command's stream: line events (or chunk events, with `output: 'chunks'`) per output
 * stream, then exactly one exit event.
 * @module
 */
import { nodeRef } from '../errors/node-ref.js';
import type { NodeRef } from '../errors/node-ref.js';

export { describeExit, nodeRef } from '../errors/node-ref.js';
export type { NodeRef } from '../errors/node-ref.js';

/** Which output stream a line came from. @category models */
export type OutputStream = 'stdout' | 'stderr';

/**
 * One line of a command's output, as plain data: `{ type: 'line', stream, text, newline, node, bytes }`, kept
 * whole by `{ ...event }` and `structuredClone`, and recognised by its `type`. `text` is the line decoded as
 * UTF-8 (invalid bytes become U+FFFD); `bytes` are its exact bytes (so binary output survives), without the
 * `\n` that ended it. Splitting happens on the byte `\n`, so a multi-byte character split across two chunks is
 * never cut in two. `structuredClone` turns `bytes` into a plain `Uint8Array` (the renderers accept it).
 * For JSON, use `toJsonLines()`/`toJsonRecord()`: `JSON.stringify` writes the Buffer as an array of numbers.
 * @category models
 */
export interface LineEvent {
  readonly type: 'line';
  readonly stream: OutputStream;
  /** The line as UTF-8 text, without the `\n` (invalid bytes become U+FFFD). */
  readonly text: string;
  /**
   * False for the last line of a stream that did not end with `\n`, and for every piece of a long line
   * but its last (see `continues`).
   */
  readonly newline: boolean;
  readonly node: NodeRef;
  /** The line's bytes, without the final `\n`: often a view into the chunk that brought them. */
  readonly bytes: Buffer;
  /**
   * `true` when this event is a piece of a line longer than the exec's `maxLineBytes` (default 1 MiB) and
   * the line goes on in the next line event of the same stream; absent otherwise. Such a line comes as
   * several line events: every piece but the last has `continues: true` and `newline: false`, the last has
   * no `continues` and the `newline` of the line. The `bytes` of the pieces, concatenated, are the line's
   * exact bytes; each piece is cut before a UTF-8 character (never inside one), so its `text` decodes alone.
   */
  readonly continues?: true;
}

/**
 * Builds a line event (`text` decoded from `bytes`). `node` is turned into its {@link nodeRef}.
 * @category constructors
 */
export const lineEvent = (stream: OutputStream, bytes: Buffer, newline: boolean, node: NodeRef): LineEvent =>
  lineOf(stream, bytes, newline, nodeRef(node), bytes.toString('utf8'));

/**
 * {@link lineEvent} for a `ref` that is a {@link nodeRef} already, and a `text` decoded already (the line
 * splitters decode the lines of a chunk at once): their hot path.
 * @internal
 */
export const lineOf = (
  stream: OutputStream,
  bytes: Buffer,
  newline: boolean,
  ref: NodeRef,
  text: string,
): LineEvent => ({ type: 'line', stream, text, newline, node: ref, bytes });

/**
 * A piece of a line longer than the limit: a line event with `newline: false` and `continues: true`.
 * @internal
 */
export const pieceOf = (stream: OutputStream, bytes: Buffer, ref: NodeRef): LineEvent => ({
  type: 'line',
  stream,
  text: bytes.toString('utf8'),
  newline: false,
  node: ref,
  bytes,
  continues: true,
});

/** Whether a line event is a piece of a long line that goes on in the next event. @internal */
export const continuesLine = (event: LineEvent): boolean =>
  (event as { readonly continues?: boolean }).continues === true;

/**
 * The default of `maxLineBytes` (`ExecOptions`, `writeLines`): 1 MiB. A longer line is delivered in pieces
 * (see `LineEvent.continues`).
 * @category models
 */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/**
 * A piece of a command's output as it arrived, with `output: 'chunks'` (see `ExecOptions.output`), as plain
 * data: `{ type: 'chunk', stream, node, bytes }`, the raw bytes, not cut into lines, so a chunk may end in the
 * middle of a line or of a multi-byte character. The chunks of one stream, concatenated, are exactly its bytes.
 * Never empty. Cheaper than line events by far for big outputs (one event per network read, about 32 KiB over
 * SSH, instead of one per line); `lines()`, `stdout()` and the renderers cut them into lines where they need
 * lines. `structuredClone` turns `bytes` into a plain `Uint8Array` (the renderers accept it).
 * @category models
 */
export interface ChunkEvent {
  readonly type: 'chunk';
  readonly stream: OutputStream;
  readonly node: NodeRef;
  /** The bytes, as the node received them. */
  readonly bytes: Buffer;
}

/** Builds a chunk event. `node` is turned into its {@link nodeRef}. @category constructors */
export const chunkEvent = (stream: OutputStream, bytes: Buffer, node: NodeRef): ChunkEvent =>
  chunkOf(stream, bytes, nodeRef(node));

/** {@link chunkEvent} for a `ref` that is a {@link nodeRef} already. @internal */
export const chunkOf = (stream: OutputStream, bytes: Buffer, ref: NodeRef): ChunkEvent => ({
  type: 'chunk',
  stream,
  node: ref,
  bytes,
});

/**
 * The bytes of a line or chunk event as a Buffer: its `bytes` (a view when `structuredClone` made them a
 * `Uint8Array`), or the text encoded as UTF-8 for an event without them (built by hand).
 * @internal
 */
export const bytesOf = (event: LineEvent | ChunkEvent): Buffer => {
  const bytes: unknown = event.bytes;
  if (Buffer.isBuffer(bytes)) return bytes;
  if (bytes instanceof Uint8Array) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Buffer.from((event as Partial<LineEvent>).text ?? '', 'utf8');
};

/**
 * Whether a line event ended with `\n`: `newline`, or true when it is absent (a line event made by hand as
 * `{ type, stream, text, node }`).
 * @internal
 */
export const endsLine = (event: LineEvent): boolean =>
  (event as { readonly newline?: boolean }).newline !== false;

/**
 * The bytes a renderer writes for a line event: its `text` as UTF-8, so that a copy whose text was changed
 * (`{ ...e, text: redact(e.text) }`) is written as changed; but its exact `bytes` when the text is a lossy
 * decoding of them (it holds U+FFFD, as for binary output), so that such output is written byte for byte.
 * @internal
 */
export const lineBytesOf = (event: LineEvent): Buffer => {
  const text = event.text;
  return text.includes('\uFFFD') ? bytesOf(event) : Buffer.from(text, 'utf8');
};

/**
 * The end of a command: its exit code, or the signal that killed it. Exactly one per command, last.
 * @category models
 */
export interface ExitEvent {
  readonly type: 'exit';
  /** The exit code; `null` when the process died of a signal. */
  readonly code: number | null;
  /** The signal that killed the process, named as Node names them (`'SIGTERM'`); `null` otherwise. */
  readonly signal: string | null;
  readonly node: NodeRef;
  /**
   * The command it ends, as described for errors and logs (the command line; `Push: a b onto dir` for a
   * transfer); `''` when unknown.
   */
  readonly command: string;
}

/**
 * An event of a command's stream: line events (or chunk events, with `output: 'chunks'`), then one exit
 * event.
 * @category models
 */
export type CommandEvent = LineEvent | ChunkEvent | ExitEvent;

/**
 * Builds an exit event for `command` (`''`: unknown). `node` is turned into its {@link nodeRef}.
 * @category constructors
 */
export const exitEvent = (
  node: NodeRef,
  code: number | null,
  signal: string | null = null,
  command = '',
): ExitEvent => ({
  type: 'exit',
  code,
  signal: signal === null || signal.startsWith('SIG') ? signal : `SIG${signal}`,
  node: nodeRef(node),
  command,
});

/** Whether an exit event is a success: code 0, or an exit listed in `allowed` (codes, or signal names). */
export const isAllowedExit = (exit: ExitEvent, allowed: readonly (number | string)[] = []): boolean => {
  if (exit.code === 0) return true;
  return allowed.some((a) =>
    typeof a === 'number' ? a === exit.code : exit.signal !== null && normalizeSignal(a) === exit.signal,
  );
};

/** `'TERM'` and `'SIGTERM'` both give `'SIGTERM'`. @category models */
export const normalizeSignal = (name: string): string => {
  const upper = name.toUpperCase();
  return upper.startsWith('SIG') ? upper : `SIG${upper}`;
};
