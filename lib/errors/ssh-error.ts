import { JobsError } from './jobs-error.js';

/**
 * Any other SSH failure: the connection was lost in the middle of a command, a channel could not be opened.
 * The original error is the `cause`.
 * @category errors
 */
export class SshError extends JobsError {
  override readonly name = 'SshError' as const;
  override readonly code = 'ssh' as const;
  readonly host: string;

  constructor(host: string, detail: string, options?: { cause?: unknown }) {
    super(`${host}: ${detail}`, options);
    this.host = host;
  }
}

declare module './jobs-error.js' {
  interface JobsErrorByCode {
    ssh: SshError;
  }
}
