import type { MonoTypeOperatorFunction } from 'rxjs';
import { defer, tap } from 'rxjs';

import type { CommandEvent } from '../nodes/command-event.js';
import { bytesOf, endsLine, isAllowedExit } from '../nodes/command-event.js';
import type { Variables } from './variables.js';

const NL = 0x0a;

/**
 * Stores a command's stdout in `variables[name]` when it exits successfully: its bytes (from line events,
 * each with its `\n`, or from chunk events, as they came) decoded as UTF-8, one final newline removed (as
 * `$(...)` in a shell would keep it, minus one trailing newline only).
 * @internal
 */
export const captureInto =
  (
    name: string | undefined,
    variables: Variables,
    allowedExits: readonly (number | string)[],
  ): MonoTypeOperatorFunction<CommandEvent> =>
  (source) =>
    name === undefined
      ? source
      : defer(() => {
          const parts: Buffer[] = [];
          return source.pipe(
            tap((event) => {
              if (event.type === 'exit') {
                if (isAllowedExit(event, allowedExits)) {
                  const bytes = Buffer.concat(parts);
                  const end = bytes.at(-1) === NL ? bytes.length - 1 : bytes.length;
                  variables.set(name, bytes.toString('utf8', 0, end));
                }
              } else if (event.stream === 'stdout') {
                parts.push(bytesOf(event));
                if (event.type === 'line' && endsLine(event)) parts.push(NEWLINE);
              }
            }),
          );
        });

const NEWLINE = Buffer.from('\n');
