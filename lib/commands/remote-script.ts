import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';

import type { Observable } from 'rxjs';
import { catchError, concat, defer, EMPTY, from, ignoreElements, map, tap, throwError } from 'rxjs';

import { isJobsError } from '../errors/jobs-error.js';
import type { CommandEvent } from '../nodes/command-event.js';
import { TransferError } from '../errors/transfer-error.js';
import type { ExecOptions, Node } from '../nodes/node.js';
import { shellJoin, shellQuote } from '../nodes/shell-quote.js';

/** What a script command runs. @internal */
export interface ScriptRun {
  readonly body: Buffer | string;
  /** File name of the script on the node. */
  readonly name: string;
  readonly args: readonly string[];
  /** Local files copied beside the script, under their own names. */
  readonly includes: readonly string[];
  readonly exec: ExecOptions;
  /** How its exit event names it (rather than by the shell line that runs it). */
  readonly command: string;
}

/** Fails with a TransferError naming the first local file that cannot be read. @internal */
export const checkLocalFiles = async (node: Node, files: readonly string[]): Promise<void> => {
  for (const file of files) {
    try {
      await stat(file);
    } catch (e: unknown) {
      throw new TransferError(node.label, file, `cannot read the local file: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
};

/** `rm -rf dir` on the node, quietly: the clean-up of an upload that failed half-way. */
const removeDir = (node: Node, dir: string): Observable<never> =>
  node.exec(`rm -rf ${shellQuote(dir)}`).pipe(
    ignoreElements(),
    catchError(() => EMPTY),
  );

/**
 * Copies a script (and its includes) to a fresh directory of its own under the node's private script
 * directory, so that parallel runs never collide, runs it from the home directory with its arguments, and
 * removes the directory when the script ends, however it ends (a cancelled script's shell removes it too, and
 * the node removes it after a cancel, in case the KILL of a script that ignored TERM took that shell too).
 * Missing includes fail (a `TransferError`) before anything is sent; an upload that fails half-way removes
 * what it wrote, and so does one cancelled half-way. A script killed by a signal reports 128 + the signal's
 * number, as a shell does.
 * @internal
 */
export const runScript = (node: Node, script: ScriptRun): Observable<CommandEvent> =>
  defer(() => {
    const dir = `${node.scriptDir}/run-${randomBytes(6).toString('hex')}`;
    const file = `${dir}/${script.name}`;
    const upload = concat(
      node.writeFile(file, script.body, 0o700), // its missing parents are created private
      script.includes.length > 0 ? node.push(script.includes, dir) : EMPTY,
    ).pipe(
      // a transfer that failed half-way: remove what it wrote (a connection error: nothing to remove)
      catchError((e: unknown) =>
        concat(
          isJobsError(e, 'transfer') ? removeDir(node, dir) : EMPTY,
          throwError(() => e as Error),
        ),
      ),
    );
    // the wrapper shell outlives a cancel (TERM, HUP, INT) to remove the directory; and PIPE, since it says
    // `Terminated` on a stderr that a cancelled LocalNode has already closed. Handlers (not `''`, which
    // children would inherit): the script runs with the default dispositions.
    const command =
      `d=${shellQuote(dir)}; trap : TERM HUP INT PIPE; "$d"/${shellQuote(script.name)}` +
      `${script.args.length > 0 ? ` ${shellJoin(script.args)}` : ''}; s=$?; rm -rf "$d"; exit $s`;
    let exited = false;
    const discard = (): void => {
      if (!exited) node.discard(dir);
    };
    return concat(
      from(checkLocalFiles(node, script.includes)).pipe(ignoreElements()),
      upload,
      node.exec(command, script.exec),
    ).pipe(
      map((event) => (event.type === 'exit' ? { ...event, command: script.command } : event)),
      // ended without the wrapper's exit (cancelled during the upload, a script that outlived its TERM and
      // whose KILL took the wrapper too, or stopped by close()): the node removes the directory once the
      // transfer's clean-up or the kill is done, and close() waits. After an exit, the wrapper has removed it;
      // after a transfer error, the catchError above has.
      tap({
        next: (event) => {
          if (event.type === 'exit') exited = true;
        },
        error: (e: unknown) => {
          if (!isJobsError(e, 'transfer')) discard();
        },
        unsubscribe: discard,
      }),
    );
  });
