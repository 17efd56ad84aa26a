import { JobsError } from './jobs-error.js';

/** What is wrong with a host key. @category models */
export type HostKeyProblem = 'changed' | 'unknown' | 'revoked';

/**
 * A host key was refused: it differs from the one known for the host (`changed`: possibly an attack, or a
 * reinstalled host), the host is not known under the `strict` policy (`unknown`), or the key is `@revoked`.
 * The message names the host, the file and the fingerprints.
 * @category errors
 */
export class HostKeyError extends JobsError {
  override readonly name = 'HostKeyError' as const;
  override readonly code = 'host-key' as const;
  /** The host as looked up in known_hosts: `name` or `[name]:port`. */
  readonly host: string;
  readonly problem: HostKeyProblem;
  /** SHA256 fingerprint of the key the host presented (`SHA256:...`, as `ssh-keygen -l` prints it). */
  readonly presented: string;
  /** Fingerprints of the keys known for the host (for `changed`). */
  readonly known: readonly string[];
  /** The known_hosts file that holds the conflicting or revoked entry, or would hold the new one. */
  readonly file: string | undefined;

  constructor(
    host: string,
    problem: HostKeyProblem,
    presented: string,
    known: readonly string[] = [],
    file?: string,
  ) {
    const where = file === undefined ? '' : ` (${file})`;
    const text =
      problem === 'changed'
        ? `host key changed: it presented ${presented}, known${where} as ${known.join(', ')}. If the host was ` +
          `reinstalled, remove its old entry (ssh-keygen -R '${host}'); otherwise someone may be intercepting.`
        : problem === 'revoked'
          ? `host key ${presented} is marked @revoked${where}`
          : `host key ${presented} is unknown${where} and the policy is strict: add it to known_hosts ` +
            `(ssh-keyscan), or use hostKeyPolicy 'accept-new'`;
    super(`${host}: ${text}`);
    this.host = host;
    this.problem = problem;
    this.presented = presented;
    this.known = known;
    this.file = file;
  }
}

declare module './jobs-error.js' {
  interface JobsErrorByCode {
    'host-key': HostKeyError;
  }
}
