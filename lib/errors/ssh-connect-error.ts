import { JobsError } from './jobs-error.js';

/**
 * Why a connection could not be made; `files`: this process (EMFILE) or the system (ENFILE) had no file
 * descriptor left for its socket.
 * @category models
 */
export type ConnectFailure =
  'refused' | 'unreachable' | 'dns' | 'reset' | 'closed' | 'gateway' | 'protocol' | 'files';

/**
 * No SSH connection could be made to a host: refused, unreachable, unknown name, closed before the banner,
 * a gateway that could not open a tunnel to it, or no file descriptor left for the socket. Raised by a node's commands (as the error of their
 * Observable) after `attempts` tries.
 * @category errors
 */
export class SshConnectError extends JobsError {
  override readonly name = 'SshConnectError' as const;
  override readonly code = 'ssh-connect' as const;
  /** `user@host:port` of the node, with its gateways (`gw -> user@host`). */
  readonly host: string;
  readonly reason: ConnectFailure;
  /** How many attempts were made. */
  readonly attempts: number;

  constructor(
    host: string,
    reason: ConnectFailure,
    attempts: number,
    detail: string,
    options?: { cause?: unknown },
  ) {
    const tries = attempts > 1 ? ` (after ${String(attempts)} attempts)` : '';
    super(`${host}: cannot connect: ${detail}${tries}`, options);
    this.host = host;
    this.reason = reason;
    this.attempts = attempts;
  }
}

declare module './jobs-error.js' {
  interface JobsErrorByCode {
    'ssh-connect': SshConnectError;
  }
}
