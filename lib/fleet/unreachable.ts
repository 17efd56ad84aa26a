import { isJobsError } from '../errors/jobs-error.js';

/** The error codes that mean "the host could not be reached or logged into". */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['ssh-connect', 'ssh-timeout', 'ssh-auth']);

/**
 * Whether `error` says that a host was not reached: the connection was refused or lost before a session
 * (`SshConnectError`), it timed out (`SshTimeoutError`), or no key was accepted (`SshAuthError`). A host key
 * that does not match (`HostKeyError`) is never "unreachable": it may be another machine. What a group's
 * `ignoreUnreachable` leaves out of its `maxFailures` count (Ansible's `ignore_unreachable`).
 * @example
 * scheduler.run().pipe(filter((e) => e.type === 'failed' && isUnreachable(e.error)));
 * @category errors
 */
export const isUnreachable = (error: unknown): boolean =>
  isJobsError(error) && UNREACHABLE_CODES.has(error.code);
