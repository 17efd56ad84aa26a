import { JobsError } from './jobs-error.js';

/**
 * What a {@link TargetError} is built from.
 * @category errors
 */
export interface TargetErrorDetails {
  /** The text at fault: a token such as `fit[3-1]` or `user@`, a `-t` value, a path; `''` when none. */
  readonly target: string;
  /** Where the text came from: `-t "a,b"`, `hosts.txt:3`, `-g gw`; `''` when unknown. */
  readonly source?: string | undefined;
  /** What is wrong and what to do about it. */
  readonly problem: string;
}

/**
 * A host list that cannot be used: a bad host range (`fit[3-1]`, `fit[]`, unbalanced brackets, too many
 * names), a bad target (`user@`, `host:0`), a `-t`/`-x` file or directory that is missing, unreadable or
 * empty, or no target left at all. Raised by `expandHostRanges()`, `parseTarget()` and `resolveTargets()`,
 * before anything runs.
 *
 * The message is `source: target: problem`, where `source` is left out when unknown and `target` when
 * empty or already shown as the last word of `source` (`-t "fit[3-1]": range 3-1 is descending: write fit[1-3]`).
 * @category errors
 */
export class TargetError extends JobsError {
  override readonly name = 'TargetError' as const;
  override readonly code = 'target' as const;
  /** The text at fault (a token, a `-t` value, a path), or `''` when the problem is about the whole list. */
  readonly target: string;
  /** Where {@link target} came from (`-t "a,b"`, `hosts.txt:3`), or `''`. */
  readonly source: string;
  /** The message without its `source: target:` prefix. */
  readonly problem: string;

  constructor(details: TargetErrorDetails, options?: { cause?: unknown }) {
    super(targetMessage(details), options);
    this.target = details.target;
    this.source = details.source ?? '';
    this.problem = details.problem;
  }
}

function targetMessage({ target, source = '', problem }: TargetErrorDetails): string {
  const shown =
    target === '' ||
    source === target ||
    source.endsWith(` ${target}`) ||
    source.endsWith(` ${JSON.stringify(target)}`);
  return [source, shown ? '' : target, problem].filter((part) => part !== '').join(': ');
}

declare module './jobs-error.js' {
  interface JobsErrorByCode {
    target: TargetError;
  }
}
