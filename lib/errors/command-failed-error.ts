import { JobsError } from './jobs-error.js';
import type { NodeRef } from './node-ref.js';
import { describeExit, nodeRef } from './node-ref.js';

/**
 * A command exited with a status that is neither 0 nor allowed (`allowedExits`). Raised by `SshJob` (which
 * then fails) and by the `throwOnFailure()` operator. Like execa's errors, it carries the result.
 * @category errors
 */
export class CommandFailedError extends JobsError {
  override readonly name = 'CommandFailedError' as const;
  override readonly code = 'command-failed' as const;
  /** The node the command ran on: its plain reference (`{ label, hostname, username, port }`). */
  readonly node: NodeRef;
  /** The command, as run (or the label of a command object). */
  readonly command: string;
  /** Its exit code; `null` when it died of a signal. */
  readonly exitCode: number | null;
  /** The signal that killed it (`'SIGTERM'`), or `null`. */
  readonly signal: string | null;
  /** The last lines it wrote on stderr. */
  readonly stderrTail: readonly string[];

  constructor(
    exit: { readonly node: NodeRef; readonly code: number | null; readonly signal: string | null },
    command: string,
    stderrTail: readonly string[],
  ) {
    const tail = stderrTail.length > 0 ? `\n  stderr: ${stderrTail.join('\n          ')}` : '';
    const what = command === '' ? 'command' : `command "${command}"`;
    super(`${exit.node.label}: ${what} failed (${describeExit(exit)})${tail}`);
    this.node = nodeRef(exit.node);
    this.command = command;
    this.exitCode = exit.code;
    this.signal = exit.signal;
    this.stderrTail = stderrTail;
  }
}

declare module './jobs-error.js' {
  interface JobsErrorByCode {
    'command-failed': CommandFailedError;
  }
}
