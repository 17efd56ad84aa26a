import type { MonoTypeOperatorFunction } from 'rxjs';
import { defer, tap } from 'rxjs';

import type { CommandEvent } from '../nodes/command-event.js';
import { isAllowedExit } from '../nodes/command-event.js';
import type { Variables } from './variables.js';

/**
 * Stores a command's stdout in `variables[name]` when it exits successfully: its lines joined with `\n`,
 * without the final newline (as `$(...)` in a shell would keep it, minus one trailing newline).
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
              if (event.type === 'line') {
                if (event.stream === 'stdout') {
                  if (parts.length > 0) parts.push(NL);
                  parts.push(event.bytes);
                }
              } else if (isAllowedExit(event, allowedExits))
                variables.set(name, Buffer.concat(parts).toString('utf8'));
            }),
          );
        });

const NL = Buffer.from('\n');
