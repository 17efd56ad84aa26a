import { randomBytes } from 'node:crypto';

import type { Observable } from 'rxjs';
import { concat, defer } from 'rxjs';

import type { CommandEvent } from '../nodes/command-event.js';
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
}

/**
 * Copies a script (and its includes) to a fresh directory of its own under the node's private script
 * directory, so that parallel runs never collide, runs it from the home directory with its arguments, and
 * removes the directory when the script ends, however it ends (a cancelled script's shell removes it too).
 * A script killed by a signal reports 128 + the signal's number, as a shell does.
 * @internal
 */
export const runScript = (node: Node, script: ScriptRun): Observable<CommandEvent> =>
  defer(() => {
    const dir = `${node.scriptDir}/run-${randomBytes(6).toString('hex')}`;
    const upload = node.writeFile(`${dir}/${script.name}`, script.body, 0o700);
    const includes = script.includes.length > 0 ? node.push(script.includes, dir) : [];
    const command =
      `d=${shellQuote(dir)}; trap : TERM HUP INT; "$d"/${shellQuote(script.name)}` +
      `${script.args.length > 0 ? ` ${shellJoin(script.args)}` : ''}; s=$?; rm -rf "$d"; exit $s`;
    return concat(upload, includes, node.exec(command, script.exec));
  });
