import { readFile } from 'node:fs/promises';
import path from 'node:path';

import type { Observable } from 'rxjs';
import { defer, from, mergeMap } from 'rxjs';

import type { CommandEvent } from '../nodes/command-event.js';
import { TransferError } from '../nodes/errors/transfer-error.js';
import type { Node } from '../nodes/node.js';
import { shellJoin } from '../nodes/shell-quote.js';
import { captureInto } from './capture.js';
import type { Arg, Command, CommandContext } from './command.js';
import { checkArgs, evaluate, shown, splitOptions } from './command.js';
import { runScript } from './remote-script.js';
import type { RunCommandOptions } from './run.js';
import type { Variables } from './variables.js';

/** Options of {@link RunScript}. @category models */
export interface RunScriptOptions extends RunCommandOptions {
  /** Local files copied beside the script (it can source them as `"$(dirname "$0")"/name`). */
  readonly includes?: readonly string[] | undefined;
}

/**
 * A local script, copied to the node (a private directory, a name of its own) and run there with the given
 * arguments (each quoted), from the home directory. The local file is read when the command runs; a missing
 * one fails before anything is sent.
 * @example
 * new RunScript('scripts/setup.sh', '--verbose', { includes: ['scripts/lib.sh'] })
 * @category constructors
 */
export class RunScript implements Command {
  readonly localPath: string;
  readonly args: readonly Arg[];
  readonly options: RunScriptOptions;

  constructor(localPath: string, ...rest: (Arg | RunScriptOptions)[]) {
    const { args, options } = splitOptions<RunScriptOptions>(rest);
    this.localPath = localPath;
    this.args = checkArgs('RunScript', args);
    this.options = options;
  }

  get label(): string {
    return this.options.label ?? `RunScript: ${this.describe()}`;
  }

  get allowedExits(): readonly (number | string)[] {
    return this.options.allowedExits ?? [];
  }

  describe(variables?: Variables): string {
    const args = this.args.map((a) => shown(a, variables));
    return [path.basename(this.localPath), shellJoin(args)].filter((s) => s !== '').join(' ');
  }

  run(node: Node, context: CommandContext): Observable<CommandEvent> {
    return defer(() => from(readLocal(node, this.localPath))).pipe(
      mergeMap((body) =>
        runScript(node, {
          body,
          name: path.basename(this.localPath),
          args: this.args.map((a) => evaluate(a, context.variables)),
          includes: this.options.includes ?? [],
          exec: {
            env: this.options.env,
            stdin: this.options.stdin,
            pty: this.options.pty,
            output: this.options.output ?? context.output,
          },
        }),
      ),
      captureInto(this.options.capture, context.variables, this.allowedExits),
    );
  }
}

const readLocal = async (node: Node, file: string): Promise<Buffer> => {
  try {
    return await readFile(file);
  } catch (e: unknown) {
    throw new TransferError(node.label, file, `cannot read the local script: ${(e as Error).message}`, {
      cause: e,
    });
  }
};
