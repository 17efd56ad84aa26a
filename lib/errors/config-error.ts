import { JobsError } from './jobs-error.js';

/**
 * A bad option or argument: a `work` that is not a function, a negative or NaN duration, a window below 1,
 * an unknown `runIf`. Raised by the constructor that is given the bad value, and by `run()`/`orchestrate()`,
 * before anything runs, when a field was changed to a bad value afterwards.
 * @category errors
 */
export class ConfigError extends JobsError {
  override readonly name = 'ConfigError' as const;
  override readonly code = 'config' as const;
  /** Who is at fault: `job "fetch"`, `scheduler "main"`, a file name. */
  readonly subject: string;
  /** The option or field at fault, such as `timeout` or `jobs[3].commands[0].type`. */
  readonly field: string;

  constructor(subject: string, field: string, problem: string, options?: { cause?: unknown }) {
    super(`${subject}: ${field} ${problem}`, options);
    this.subject = subject;
    this.field = field;
  }
}

declare module './jobs-error.js' {
  interface JobsErrorByCode {
    config: ConfigError;
  }
}
