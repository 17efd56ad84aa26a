/**
 * The events of one command's stream: line events (or chunk events, with `output: 'chunks'`) per output
 * stream, then exactly one exit event.
 * @module
 */
import { isUtf8 } from 'node:buffer';

/** What a command event says about the node it comes from: enough for renderers to name it. @category models */
export interface NodeRef {
  /** Short name shown in prefixes and errors: the hostname as given, or `localhost` for a LocalNode. */
  readonly label: string;
  /** The host name or address connected to (`localhost` for a LocalNode). */
  readonly hostname: string;
  /** The remote user, when known. */
  readonly username?: string | undefined;
}

/** Which output stream a line came from. @category models */
export type OutputStream = 'stdout' | 'stderr';

/**
 * One line of a command's output. The bytes are kept exactly (without the `\n` that ended the line), so
 * binary output survives; `text` decodes them as UTF-8 on first use. Splitting happens on the byte `\n`, so a
 * multi-byte character split across two chunks is never cut in two.
 * @category models
 */
export class LineEvent {
  readonly type = 'line' as const;
  readonly stream: OutputStream;
  /** The line's bytes, without the final `\n`: often a view into the chunk that brought them. */
  readonly bytes: Buffer;
  /** False only for the last line of a stream that did not end with `\n`. */
  readonly newline: boolean;
  readonly node: NodeRef;
  #text: string | undefined;

  constructor(stream: OutputStream, bytes: Buffer, newline: boolean, node: NodeRef) {
    this.stream = stream;
    this.bytes = bytes;
    this.newline = newline;
    this.node = node;
  }

  /** The line as UTF-8 text, without the `\n` (invalid bytes become U+FFFD). */
  get text(): string {
    return (this.#text ??= this.bytes.toString('utf8'));
  }

  /** `{ type, stream, text, newline, node: label }`, for JSON output. */
  toJSON(): { type: 'line'; stream: OutputStream; text: string; newline: boolean; node: string } {
    return {
      type: 'line',
      stream: this.stream,
      text: this.text,
      newline: this.newline,
      node: this.node.label,
    };
  }
}

/**
 * A piece of a command's output as it arrived, with `output: 'chunks'` (see `ExecOptions.output`): the raw
 * bytes, not cut into lines, so a chunk may end in the middle of a line or of a multi-byte character. The
 * chunks of one stream, concatenated, are exactly its bytes. Never empty. Cheaper than line events by far for
 * big outputs (one event per network read, about 32 KiB over SSH, instead of one per line); `lines()`,
 * `stdout()` and the renderers cut them into lines where they need lines.
 * @category models
 */
export class ChunkEvent {
  readonly type = 'chunk' as const;
  readonly stream: OutputStream;
  /** The bytes, as the node received them. */
  readonly bytes: Buffer;
  readonly node: NodeRef;

  constructor(stream: OutputStream, bytes: Buffer, node: NodeRef) {
    this.stream = stream;
    this.bytes = bytes;
    this.node = node;
  }

  /**
   * `{ type, stream, text, node: label }` for JSON output, plus `base64` (the exact bytes) when they are not
   * valid UTF-8, as when the chunk cuts a character in two (`text` is then the lossy decoding).
   */
  toJSON(): { type: 'chunk'; stream: OutputStream; text: string; base64?: string; node: string } {
    const json = { type: 'chunk', stream: this.stream, text: this.bytes.toString('utf8') } as const;
    return isUtf8(this.bytes)
      ? { ...json, node: this.node.label }
      : { ...json, base64: this.bytes.toString('base64'), node: this.node.label };
  }
}

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
}

/**
 * An event of a command's stream: line events (or chunk events, with `output: 'chunks'`), then one exit
 * event.
 * @category models
 */
export type CommandEvent = LineEvent | ChunkEvent | ExitEvent;

/** Builds an exit event. @category constructors */
export const exitEvent = (node: NodeRef, code: number | null, signal: string | null = null): ExitEvent => ({
  type: 'exit',
  code,
  signal: signal === null || signal.startsWith('SIG') ? signal : `SIG${signal}`,
  node,
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

/** `exit 3`, `killed by SIGTERM`: an exit in words. */
export const describeExit = (exit: Pick<ExitEvent, 'code' | 'signal'>): string =>
  exit.signal !== null
    ? `killed by ${exit.signal}`
    : exit.code === null
      ? 'no exit status'
      : `exit ${String(exit.code)}`;
