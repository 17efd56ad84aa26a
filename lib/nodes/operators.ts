import type { OperatorFunction } from 'rxjs';
import { filter, last, Observable } from 'rxjs';

import type { CommandEvent, ExitEvent, LineEvent, OutputStream } from './command-event.js';
import { continuesLine, isAllowedExit } from './command-event.js';
import { ChunkLines } from './chunk-lines.js';
import { StderrTail } from './stderr-tail.js';
import { CommandFailedError } from '../errors/command-failed-error.js';

/** The longest line `lines()` joins from pieces, in characters (JavaScript strings hold about 512 Mi). */
const MAX_JOINED_LINE = 256 * 1024 * 1024;

const tooLong = (node: string, stream: OutputStream): Error =>
  new Error(
    `lines(): a line of ${node}'s ${stream} is over ${String(MAX_JOINED_LINE / 1024 / 1024)} Mi characters, too long ` +
      'for one string: read it as pieces (line events with continues) or chunks (output: "chunks"), or write it ' +
      'with writeLines() or writeHostFiles()',
  );

/**
 * Keeps the lines of a command stream (of one stream when given), as text, each whole: the pieces of a long
 * line (see `LineEvent.continues`) are joined into one string (a line over 256 Mi characters errors the stream
 * with a message saying how to read it instead). Line events give their text;
 * chunk events (`output: 'chunks'`) are cut into lines on the way, per node and output stream, a last
 * partial line coming out at the node's exit event (or when the source completes; not when it errors).
 * Commands that follow one another, or run on different nodes, may share one stream; the chunks of two
 * commands running at once on ONE node cannot be told apart, so cut those per command, before merging.
 * @example
 * node.exec('ls /').pipe(lines()).subscribe((line) => console.log(line));
 * @category combinators
 */
export const lines =
  (stream?: OutputStream): OperatorFunction<CommandEvent, string> =>
  (source: Observable<CommandEvent>) =>
    new Observable<string>((subscriber) => {
      let chunks: ChunkLines | undefined; // made on the first chunk: line events never need it
      const open = new Map<string, string>(); // the text of long lines, by source, until their last piece
      const emit = (line: LineEvent): void => {
        subscriber.next(line.text);
      };
      return source.subscribe({
        next: (e) => {
          if (e.type === 'line') {
            if (stream !== undefined && e.stream !== stream) return;
            if (!continuesLine(e) && open.size === 0) subscriber.next(e.text);
            else {
              const key = `${e.node.label}\0${e.stream}`;
              const before = open.get(key) ?? '';
              if (before.length + e.text.length > MAX_JOINED_LINE) {
                subscriber.error(tooLong(e.node.label, e.stream));
                return;
              }
              const text = before + e.text;
              if (continuesLine(e)) open.set(key, text);
              else {
                open.delete(key);
                subscriber.next(text);
              }
            }
          } else if (e.type === 'chunk') {
            if (stream === undefined || e.stream === stream)
              (chunks ??= new ChunkLines(Infinity)).push(undefined, e, emit);
          } else chunks?.end(undefined, e.node, emit);
        },
        error: (e: unknown) => {
          subscriber.error(e);
        },
        complete: () => {
          chunks?.endAll(emit);
          subscriber.complete();
        },
      });
    });

/**
 * The stdout lines of a command stream, as text (chunk events cut into lines, as {@link lines} does).
 * @category combinators
 */
export const stdout = (): OperatorFunction<CommandEvent, string> => lines('stdout');

/**
 * The exit event of a command stream (the last event), as one value.
 * @example
 * const { code } = await lastValueFrom(node.exec('test -d /tmp').pipe(exitStatus()));
 * @category combinators
 */
export const exitStatus = (): OperatorFunction<CommandEvent, ExitEvent> => (source) =>
  source.pipe(
    filter((e): e is ExitEvent => e.type === 'exit'),
    // eslint-disable-next-line rxjs-x/no-ignored-default-value -- every command stream ends with an exit: EmptyError otherwise is right
    last(),
  );

/** Options of {@link throwOnFailure}. @category models */
export interface ThrowOnFailureOptions {
  /** Exits that count as success besides 0: exit codes, or signal names such as `'TERM'`. */
  readonly allowedExits?: readonly (number | string)[] | undefined;
  /** The command, named by the error. Default: the one the exit event names. */
  readonly command?: string | undefined;
  /** How many stderr lines the error keeps (default 10). */
  readonly stderrTail?: number | undefined;
}

/**
 * Passes every event on and, after an exit that is neither 0 nor allowed, errors with a
 * {@link CommandFailedError} (code `command-failed`, with the last stderr lines, cut from the stderr chunks
 * when the command runs with `output: 'chunks'`).
 * @example
 * await lastValueFrom(node.exec('make').pipe(throwOnFailure({ command: 'make' })));
 * @category combinators
 */
export const throwOnFailure =
  (options: ThrowOnFailureOptions = {}): OperatorFunction<CommandEvent, CommandEvent> =>
  (source) =>
    new Observable<CommandEvent>((subscriber) => {
      const tail = new StderrTail(options.stderrTail);
      return source.subscribe({
        next: (event) => {
          subscriber.next(event);
          tail.add(event);
          if (event.type === 'exit' && !isAllowedExit(event, options.allowedExits))
            subscriber.error(new CommandFailedError(event, options.command ?? event.command, tail.lines()));
        },
        error: (e: unknown) => {
          subscriber.error(e);
        },
        complete: () => {
          subscriber.complete();
        },
      });
    });
