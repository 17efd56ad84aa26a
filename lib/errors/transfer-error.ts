import { JobsError } from './jobs-error.js';

/**
 * A file transfer (Push, Pull, a script's upload) failed: a missing local file, a remote path that cannot be
 * read or written, an interrupted transfer. Names the host and the path; nothing half-written is left.
 * @category errors
 */
export class TransferError extends JobsError {
  override readonly name = 'TransferError' as const;
  override readonly code = 'transfer' as const;
  readonly host: string;
  /** The local or remote path at fault. */
  readonly path: string;

  constructor(host: string, path: string, detail: string, options?: { cause?: unknown }) {
    super(`${host}: ${path}: ${detail}`, options);
    this.host = host;
    this.path = path;
  }
}

declare module './jobs-error.js' {
  interface JobsErrorByCode {
    transfer: TransferError;
  }
}
