import { JobsError } from '../errors/jobs-error.js';

/**
 * A run directory that cannot be read: a missing or unreadable file, a file that is not what the format
 * `rxjobs-run/1` says. Raised by `readRun()` and `latestRun()`; `file` names the file at fault.
 * @category errors
 */
export class RecordError extends JobsError {
  override readonly name = 'RecordError' as const;
  override readonly code = 'record' as const;
  /** The file (or directory) at fault. */
  readonly file: string;

  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super(`${file}: ${problem}`, options);
    this.file = file;
  }
}

declare module '../errors/jobs-error.js' {
  interface JobsErrorByCode {
    record: RecordError;
  }
}
