/**
 * The failures of a connection attempt, mapped once from ssh2's errors to ours, with whether to try again.
 * @module
 */
import { SshAuthError } from '../../errors/ssh-auth-error.js';
import type { ConnectFailure } from '../../errors/ssh-connect-error.js';
import { SshConnectError } from '../../errors/ssh-connect-error.js';
import { SshTimeoutError } from '../../errors/ssh-timeout-error.js';
import { openFilesFailure } from '../open-files.js';
import type { AuthPlan } from './ssh-auth.js';

/** What a failure names of the attempt (a `ConnectSpec` is one). @internal */
export interface Attempted {
  /** `user@host:port`, with its gateways: how errors name the node. */
  readonly label: string;
  readonly auth: AuthPlan;
  readonly connectTimeout: number;
}

/** An error of ssh2's client, with its `level` and the socket's `code`. @internal */
export type SocketError = Error & { level?: string; code?: string };

/** A failed attempt: the error to report, and whether another attempt may succeed. @internal */
export class Failure extends Error {
  readonly error: Error;
  readonly retry: boolean;
  constructor(error: Error, retry: boolean) {
    super(error.message);
    this.error = error;
    this.retry = retry;
  }
}

const socketFailure = (code: string | undefined): ConnectFailure | undefined => {
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
      return 'unreachable';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns';
    default:
      return undefined;
  }
};

/**
 * Maps an ssh2 error raised before the connection is ready. The only place that reads ssh2's `level`.
 * @internal
 */
export const classify = (spec: Attempted, e: SocketError, attempt: number): Failure => {
  const level = e.level;
  if (level === 'client-authentication') {
    const detail = spec.auth.problems.length > 0 ? spec.auth.problems.join('; ') : undefined;
    return new Failure(new SshAuthError(spec.label, spec.auth.tried, detail, { cause: e }), false);
  }
  if (level === 'client-timeout')
    return new Failure(new SshTimeoutError(spec.label, 'connect', spec.connectTimeout, attempt), true);
  // no descriptor left: said with the limit and what to change (another attempt may find one freed)
  const files = openFilesFailure(e.code);
  if (files !== undefined)
    return new Failure(new SshConnectError(spec.label, 'files', attempt, files, { cause: e }), true);
  const reason = socketFailure(e.code) ?? (level === 'client-dns' ? 'dns' : undefined);
  if (reason !== undefined)
    return new Failure(
      new SshConnectError(spec.label, reason, attempt, e.message, { cause: e }),
      reason !== 'dns',
    );
  if (/before handshake|closed|lost/i.test(e.message))
    return new Failure(
      new SshConnectError(spec.label, 'closed', attempt, `${e.message} (server busy?)`, { cause: e }),
      true,
    );
  return new Failure(new SshConnectError(spec.label, 'protocol', attempt, e.message, { cause: e }), false);
};

/**
 * A tunnel that could not be opened: the gateway's own failure names the gateway, a refusal this node.
 * @internal
 */
export const tunnelFailure = (spec: Attempted, e: unknown, attempt: number): Failure => {
  if (e instanceof SshAuthError || e instanceof SshConnectError || e instanceof SshTimeoutError)
    return new Failure(e, false);
  const detail = `the gateway cannot reach it: ${e instanceof Error ? e.message : String(e)}`;
  return new Failure(new SshConnectError(spec.label, 'gateway', attempt, detail, { cause: e }), true);
};

/** The node's `close()` came during the attempt. @internal */
export const closedWhileConnecting = (spec: Attempted, attempt: number): Failure =>
  new Failure(
    new SshConnectError(spec.label, 'closed', attempt, 'the node was closed while connecting'),
    false,
  );
