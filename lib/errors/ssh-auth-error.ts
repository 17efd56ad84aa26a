import { JobsError } from './jobs-error.js';

/**
 * The host refused every credential offered (keys, agent, password), or a private key could not be used
 * (missing passphrase, unreadable file). The message names the user, host and what was tried.
 * @category errors
 */
export class SshAuthError extends JobsError {
  override readonly name = 'SshAuthError' as const;
  override readonly code = 'ssh-auth' as const;
  readonly host: string;
  /** What was offered: key files, `agent`, `password`. */
  readonly tried: readonly string[];

  constructor(host: string, tried: readonly string[], detail?: string, options?: { cause?: unknown }) {
    const offered = tried.length > 0 ? tried.join(', ') : 'no credentials';
    super(
      `${host}: authentication refused (offered: ${offered})${detail === undefined ? '' : `: ${detail}`}`,
      options,
    );
    this.host = host;
    this.tried = tried;
  }
}

declare module './jobs-error.js' {
  interface JobsErrorByCode {
    'ssh-auth': SshAuthError;
  }
}
