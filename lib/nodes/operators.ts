import type { OperatorFunction } from 'rxjs';
import { filter, last, map, Observable } from 'rxjs';

import type { CommandEvent, ExitEvent, LineEvent, OutputStream } from './command-event.js';
import { isAllowedExit } from './command-event.js';
import { StderrTail } from './stderr-tail.js';
import { CommandFailedError } from './errors/command-failed-error.js';

/**
 * Keeps the line events of a command stream (of one stream when given), as text.
 * @example
 * node.exec('ls /').pipe(lines()).subscribe((line) => console.log(line));
 * @category combinators
 */
export const lines =
  (stream?: OutputStream): OperatorFunction<CommandEvent, string> =>
  (source: Observable<CommandEvent>) =>
    source.pipe(
      filter((e): e is LineEvent => e.type === 'line' && (stream === undefined || e.stream === stream)),
      map((e) => e.text),
    );

/** The stdout lines of a command stream, as text. @category combinators */
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
  /** The command, named by the error. */
  readonly command?: string | undefined;
  /** How many stderr lines the error keeps (default 10). */
  readonly stderrTail?: number | undefined;
}

/**
 * Passes every event on and, after an exit that is neither 0 nor allowed, errors with a
 * {@link CommandFailedError} (code `command-failed`, with the last stderr lines).
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
          if (event.type === 'line') tail.add(event);
          else if (!isAllowedExit(event, options.allowedExits))
            subscriber.error(new CommandFailedError(event, options.command ?? '', tail.lines()));
        },
        error: (e: unknown) => {
          subscriber.error(e);
        },
        complete: () => {
          subscriber.complete();
        },
      });
    });
