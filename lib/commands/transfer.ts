import type { Observable } from 'rxjs';
import { concat, defer, of } from 'rxjs';

import type { CommandEvent } from '../nodes/command-event.js';
import { exitEvent } from '../nodes/command-event.js';
import type { Node, TransferOptions } from '../nodes/node.js';
import type { Command, CommandContext, CommandOptions } from './command.js';
import type { Variables } from './variables.js';

/** Options of {@link Push} and {@link Pull}. @category models */
export interface TransferCommandOptions extends CommandOptions, TransferOptions {}

const list = (paths: string | readonly string[]): readonly string[] =>
  typeof paths === 'string' ? [paths] : paths;

const shortList = (paths: readonly string[]): string =>
  paths.length <= 2 ? paths.join(' ') : `${paths[0] ?? ''} ... (${String(paths.length)} in all)`;

/**
 * Copies local files and directories into a directory of the node (created when missing), over SFTP; each
 * file appears complete or not at all. `{{name}}` in paths is replaced by the job's variables. Emits one exit
 * event (code 0) when done; a failure is a `TransferError` naming the host and the path.
 * @example
 * new Push(['build/app.tar.gz', 'conf/'], '/opt/app')
 * @category constructors
 */
export class Push implements Command {
  readonly localPaths: readonly string[];
  readonly remoteDir: string;
  readonly options: TransferCommandOptions;

  constructor(
    localPaths: string | readonly string[],
    remoteDir: string,
    options: TransferCommandOptions = {},
  ) {
    this.localPaths = list(localPaths);
    this.remoteDir = remoteDir;
    this.options = options;
  }

  get label(): string {
    return this.options.label ?? this.describe();
  }

  get allowedExits(): readonly (number | string)[] {
    return [];
  }

  describe(variables?: Variables): string {
    const x = (s: string): string => variables?.expand(s) ?? s;
    return `Push: ${shortList(this.localPaths.map(x))} onto ${x(this.remoteDir)}`;
  }

  run(node: Node, { variables }: CommandContext): Observable<CommandEvent> {
    return defer(() =>
      concat(
        node.push(
          this.localPaths.map((p) => variables.expand(p)),
          variables.expand(this.remoteDir),
          this.options,
        ),
        of(exitEvent(node, 0)),
      ),
    );
  }
}

/**
 * Copies files and directories of the node into a local directory (created when missing), over SFTP; each
 * local file appears complete or not at all, even when the transfer is interrupted. Emits one exit event
 * (code 0) when done.
 * @example
 * new Pull('results/run1.csv', 'data/{{host}}')
 * @category constructors
 */
export class Pull implements Command {
  readonly remotePaths: readonly string[];
  readonly localDir: string;
  readonly options: TransferCommandOptions;

  constructor(
    remotePaths: string | readonly string[],
    localDir: string,
    options: TransferCommandOptions = {},
  ) {
    this.remotePaths = list(remotePaths);
    this.localDir = localDir;
    this.options = options;
  }

  get label(): string {
    return this.options.label ?? this.describe();
  }

  get allowedExits(): readonly (number | string)[] {
    return [];
  }

  describe(variables?: Variables): string {
    const x = (s: string): string => variables?.expand(s) ?? s;
    return `Pull: ${shortList(this.remotePaths.map(x))} into ${x(this.localDir)}`;
  }

  run(node: Node, { variables }: CommandContext): Observable<CommandEvent> {
    return defer(() =>
      concat(
        node.pull(
          this.remotePaths.map((p) => variables.expand(p)),
          variables.expand(this.localDir),
          this.options,
        ),
        of(exitEvent(node, 0)),
      ),
    );
  }
}
