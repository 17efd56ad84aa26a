import { readFile } from 'node:fs/promises';
import path from 'node:path';

import type { Observable } from 'rxjs';
import { defer, from, mergeMap } from 'rxjs';

import type { CommandEvent } from '../nodes/command-event.js';
import { TransferError } from '../errors/transfer-error.js';
import type { Node } from '../nodes/node.js';
import { shellJoin } from '../nodes/shell-quote.js';
import type { Arg, CommandContext } from './command.js';
import { evaluate, RUN_KEYS, shown } from './command.js';
import { badOption, optionKeys } from '../errors/option-keys.js';
import { runScript } from './remote-script.js';
import { ShellCommand } from './shell-command.js';
import type { RunCommandOptions } from './run.js';
import type { Variables } from './variables.js';

/** Options of {@link RunScript}. @category models */
export interface RunScriptOptions extends RunCommandOptions {
  /** Local files copied beside the script (it can source them as `"$(dirname "$0")"/name`). */
  readonly includes?: readonly string[] | undefined;
}

/** The keys of {@link RunScriptOptions}. @internal */
export const RUN_SCRIPT_KEYS = optionKeys([...RUN_KEYS, 'includes']);

/**
 * A local script, copied to the node (a private directory, a name of its own) and run there with the given
 * arguments (each quoted), from the home directory. The local file is read when the command runs; a missing
 * one fails before anything is sent.
 * @example
 * new RunScript('scripts/setup.sh', '--verbose', { includes: ['scripts/lib.sh'] })
 * @category constructors
 */
export class RunScript extends ShellCommand<RunScriptOptions> {
  readonly localPath: string;

  constructor(localPath: string, ...rest: (Arg | RunScriptOptions)[]) {
    super('RunScript', rest, RUN_SCRIPT_KEYS);
    if (typeof localPath !== 'string' || localPath === '')
      throw badOption('RunScript', 'localPath', 'the name of a local script file', localPath);
    this.localPath = localPath;
  }

  protected defaultLabel(): string {
    return `RunScript: ${this.describe()}`;
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
          exec: this.execOptions(context),
          command: this.describe(context.variables),
        }),
      ),
      this.captured(context),
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
