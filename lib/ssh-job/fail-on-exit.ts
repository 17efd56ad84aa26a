/**
 * The failure of an SshJob's command: an exit that is neither 0 nor allowed.
 * @module
 */
import type { MonoTypeOperatorFunction } from 'rxjs';
import { Observable } from 'rxjs';

import type { Command } from '../commands/command.js';
import type { Variables } from '../commands/variables.js';
import { CommandFailedError } from '../errors/command-failed-error.js';
import type { CommandEvent } from '../nodes/command-event.js';
import { isAllowedExit } from '../nodes/command-event.js';
import { StderrTail } from '../nodes/stderr-tail.js';

/**
 * Passes a command's events on and, after an exit that is neither 0 nor allowed, errors with a
 * CommandFailedError. Unlike `throwOnFailure()`, it describes the command only when it fails: the function
 * arguments of a Run are called once per run, not once more for an error message that is not needed.
 * @internal
 */
export const failOnDisallowedExit =
  (
    command: Command,
    variables: Variables,
    tailSize: number | undefined,
  ): MonoTypeOperatorFunction<CommandEvent> =>
  (source) =>
    new Observable<CommandEvent>((subscriber) => {
      const tail = new StderrTail(tailSize);
      return source.subscribe({
        next: (event) => {
          subscriber.next(event);
          tail.add(event);
          if (event.type === 'exit' && !isAllowedExit(event, command.allowedExits))
            subscriber.error(new CommandFailedError(event, command.describe(variables), tail.lines()));
        },
        error: (e: unknown) => {
          subscriber.error(e);
        },
        complete: () => {
          subscriber.complete();
        },
      });
    });
