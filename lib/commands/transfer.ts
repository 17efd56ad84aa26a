import { Observable, concat, defer, of } from 'rxjs';

import type { CommandEvent } from '../nodes/command-event.js';
import { exitEvent, lineEvent } from '../nodes/command-event.js';
import type { Node, TransferOptions } from '../nodes/node.js';
import { ConfigError } from '../errors/config-error.js';
import { badOption, is, optionKeys } from '../errors/option-keys.js';
import type { Command, CommandContext, CommandOptions } from './command.js';
import { checkCommandOptions } from './command.js';
import type { Variables } from './variables.js';

/** Options of {@link Push} and {@link Pull}. @category models */
export interface TransferCommandOptions extends Omit<CommandOptions, 'allowedExits'>, TransferOptions {}

/** The keys of {@link TransferCommandOptions}. */
const TRANSFER_KEYS = optionKeys(['label', 'preserve']);

/** Checks the arguments of `new Push(...)` or `new Pull(...)`. */
const checkTransfer = (verb: 'Push' | 'Pull', paths: unknown, target: unknown, options: unknown): void => {
  if ((options as { allowedExits?: unknown } | undefined)?.allowedExits !== undefined)
    throw new ConfigError(
      verb,
      'allowedExits',
      `is not an option of ${verb}: a transfer has no exit code to allow (it completes, or errors)`,
    );
  checkCommandOptions(verb, options, TRANSFER_KEYS);
  const [what, where] = verb === 'Push' ? ['localPaths', 'remoteDir'] : ['remotePaths', 'localDir'];
  if (!is.stringOrStrings(paths)) throw badOption(verb, what, 'a path or a list of paths', paths);
  if (typeof target !== 'string') throw badOption(verb, where, 'a directory name', target);
};

const list = (paths: string | readonly string[]): readonly string[] =>
  typeof paths === 'string' ? [paths] : paths;

const shortList = (paths: readonly string[]): string =>
  paths.length <= 2 ? paths.join(' ') : `${paths[0] ?? ''} ... (${String(paths.length)} in all)`;

/**
 * `node.push` or `node.pull`, with a stderr line event for each entry copied under an escaped name (not
 * UTF-8), when it is met: `pull: REMOTE: the name is not UTF-8: pulled as LOCAL (%XX there is the byte XX)`,
 * `push: LOCAL: the name is not UTF-8: pushed as REMOTE (...)`.
 */
const reporting = (
  verb: 'Push' | 'Pull',
  node: Node,
  sources: readonly string[],
  target: string,
  preserve: boolean | undefined,
): Observable<CommandEvent> =>
  new Observable<CommandEvent>((subscriber) => {
    const onRenamed = (remote: string, local: string): void => {
      const text =
        verb === 'Pull'
          ? `pull: ${remote}: the name is not UTF-8: pulled as ${local}`
          : `push: ${local}: the name is not UTF-8: pushed as ${remote}`;
      subscriber.next(lineEvent('stderr', Buffer.from(`${text} (%XX there is the byte XX)`), true, node));
    };
    const options = { preserve, onRenamed };
    return (
      verb === 'Push' ? node.push(sources, target, options) : node.pull(sources, target, options)
    ).subscribe(subscriber);
  });

/** What Push and Pull share: sources, a target directory, a label; one exit event (0) once copied. */
abstract class Transfer implements Command {
  readonly options: TransferCommandOptions;
  protected abstract readonly verb: 'Push' | 'Pull';
  protected abstract readonly sources: readonly string[];
  protected abstract readonly target: string;

  constructor(options: TransferCommandOptions) {
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
    return `${this.verb}: ${shortList(this.sources.map(x))} ${this.verb === 'Push' ? 'onto' : 'into'} ${x(this.target)}`;
  }

  run(node: Node, { variables }: CommandContext): Observable<CommandEvent> {
    return defer(() => {
      const sources = this.sources.map((p) => variables.expand(p));
      const target = variables.expand(this.target);
      return concat(
        reporting(this.verb, node, sources, target, this.options.preserve),
        of(exitEvent(node, 0, null, this.describe(variables))),
      );
    });
  }
}

/**
 * Copies local files and directories into a directory of the node (created when missing), over SFTP; each
 * file appears complete or not at all. `{{name}}` in paths is replaced by the job's variables. Emits one exit
 * event (code 0) when done; a failure is a `TransferError` naming the host and the path.
 * @example
 * new Push(['build/app.tar.gz', 'conf/'], '/opt/app')
 * @category constructors
 */
export class Push extends Transfer {
  protected readonly verb = 'Push';
  readonly localPaths: readonly string[];
  readonly remoteDir: string;

  constructor(
    localPaths: string | readonly string[],
    remoteDir: string,
    options: TransferCommandOptions = {},
  ) {
    checkTransfer('Push', localPaths, remoteDir, options);
    super(options);
    this.localPaths = list(localPaths);
    this.remoteDir = remoteDir;
  }

  protected get sources(): readonly string[] {
    return this.localPaths;
  }

  protected get target(): string {
    return this.remoteDir;
  }
}

/**
 * Copies files and directories of the node to a local path, over SFTP, as `scp` does: one remote file to a
 * path that is neither an existing directory nor ends with `/` is written as that file; anything else (several
 * paths, a remote directory) goes into the directory, created when missing (see `Node.pull`). Each local file
 * appears complete or not at all, even when the transfer is interrupted. Emits one exit event (code 0) when
 * done.
 * @example
 * new Pull('results/run1.csv', 'data/{{host}}/')   // data/fit01/run1.csv
 * new Pull('results/run1.csv', 'data/{{host}}.csv') // data/fit01.csv
 * @category constructors
 */
export class Pull extends Transfer {
  protected readonly verb = 'Pull';
  readonly remotePaths: readonly string[];
  readonly localDir: string;

  constructor(
    remotePaths: string | readonly string[],
    localDir: string,
    options: TransferCommandOptions = {},
  ) {
    checkTransfer('Pull', remotePaths, localDir, options);
    super(options);
    this.remotePaths = list(remotePaths);
    this.localDir = localDir;
  }

  protected get sources(): readonly string[] {
    return this.remotePaths;
  }

  protected get target(): string {
    return this.localDir;
  }
}
