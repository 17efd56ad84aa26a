import { JobsError } from './jobs-error.js';

/**
 * A host did not answer in time: the connection or handshake took longer than `connectTimeout` (phase
 * `connect`), or an open connection stopped answering keepalives (phase `keepalive`).
 * @category errors
 */
export class SshTimeoutError extends JobsError {
  override readonly name = 'SshTimeoutError' as const;
  override readonly code = 'ssh-timeout' as const;
  readonly host: string;
  readonly phase: 'connect' | 'keepalive';
  /** The bound that was exceeded, in milliseconds. */
  readonly timeout: number;
  readonly attempts: number;

  constructor(host: string, phase: 'connect' | 'keepalive', timeout: number, attempts = 1) {
    const tries = attempts > 1 ? ` (after ${String(attempts)} attempts)` : '';
    const what =
      phase === 'connect'
        ? `no SSH handshake within ${String(timeout)} ms${tries}: is the host up, and is sshd answering on that port?`
        : `connection lost: no answer to keepalives for ${String(timeout)} ms`;
    super(`${host}: ${what}`);
    this.host = host;
    this.phase = phase;
    this.timeout = timeout;
    this.attempts = attempts;
  }
}

declare module './jobs-error.js' {
  interface JobsErrorByCode {
    'ssh-timeout': SshTimeoutError;
  }
}
