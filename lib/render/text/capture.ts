/**
 * A command's stdout as one string (apssh's Capture).
 * @module
 */
import type { OperatorFunction } from 'rxjs';
import { defer, map, reduce } from 'rxjs';

import type { CommandEvent } from '../../nodes/command-event.js';
import { bytesOf, endsLine, lineBytesOf } from '../../nodes/command-event.js';

const NL = Buffer.from('\n');

/**
 * The stdout of a command as one string, emitted once when the command stream completes: its bytes as they
 * came (the lines, each with its `\n`, a last partial line without; or the chunks of a command run with
 * `output: 'chunks'`), then ONE trailing `\n` removed, as in `$(…)` but only one: `a\nb\n` gives `a\nb`,
 * `a\n\n` gives `a\n`, a partial `a\nb` gives `a\nb`, no output gives `''`. Decoded as UTF-8 once, from the
 * bytes. Stderr and the exit are ignored; an error of the stream is passed on (nothing is emitted).
 * @example
 * const kernel = await lastValueFrom(node.exec('uname -r').pipe(captureStdout()));
 * @category combinators
 */
export const captureStdout = (): OperatorFunction<CommandEvent, string> => (source) =>
  defer(() =>
    source.pipe(
      reduce<CommandEvent, Buffer[]>((chunks, e) => {
        if (e.type !== 'exit' && e.stream === 'stdout') {
          chunks.push(e.type === 'line' ? lineBytesOf(e) : bytesOf(e));
          if (e.type === 'line' && endsLine(e)) chunks.push(NL);
        }
        return chunks;
      }, []),
      map((chunks) => {
        const bytes = Buffer.concat(chunks);
        const end = bytes.length > 0 && bytes[bytes.length - 1] === NL[0] ? bytes.length - 1 : bytes.length;
        return bytes.toString('utf8', 0, end);
      }),
    ),
  );
