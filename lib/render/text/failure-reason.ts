import type { JobOutcome } from '../../core/events.js';
import { isJobsError } from '../../errors/jobs-error.js';
import { describeExit } from '../../nodes/command-event.js';

/**
 * Why a job did not succeed, in words: a `status` of a few words for columns and marks (`refused`, `timeout
 * after 5 s`, `auth failed`, `host key changed`, `exit 3`, `killed by SIGTERM`), and the `detail` (the
 * error's message).
 * @category models
 */
export interface FailureReason {
  readonly status: string;
  readonly detail: string;
}

const seconds = (ms: number): string => `${String(Math.round(ms / 100) / 10)} s`;

const CONNECT: Readonly<Record<string, string>> = {
  refused: 'refused',
  unreachable: 'unreachable',
  dns: 'unknown host',
  reset: 'connection reset',
  closed: 'connection closed',
  gateway: 'gateway failed',
  protocol: 'protocol error',
  files: 'too many open files',
};

const OTHER: Readonly<Record<string, string>> = {
  'ssh-auth': 'auth failed',
  transfer: 'transfer failed',
  ssh: 'ssh error',
  config: 'bad input',
  'job-failed': 'failed',
};

/** The status words of an error a job failed with. */
function statusOf(error: unknown): string {
  if (isJobsError(error, 'command-failed'))
    return describeExit({ code: error.exitCode, signal: error.signal });
  if (isJobsError(error, 'ssh-connect')) return CONNECT[error.reason] ?? 'cannot connect';
  if (isJobsError(error, 'ssh-timeout'))
    return error.phase === 'connect'
      ? `connect timeout (${seconds(error.timeout)})`
      : 'no answer (keepalive)';
  if (isJobsError(error, 'host-key')) return `host key ${error.problem}`;
  if (isJobsError(error, 'job-timeout')) return `timeout after ${seconds(error.timeout)}`;
  if (!isJobsError(error)) return 'failed';
  return OTHER[error.code] ?? error.code;
}

/**
 * Describes how a job ended when it did not succeed (`undefined` for `done`).
 * @example
 * describeFailure({ status: 'failed', error }) // { status: 'refused', detail: 'fit01: cannot connect: ...' }
 * @category running
 */
export function describeFailure(outcome: JobOutcome): FailureReason | undefined {
  switch (outcome.status) {
    case 'done':
      return undefined;
    case 'failed':
      return { status: statusOf(outcome.error), detail: outcome.error.message };
    case 'cancelled':
      return { status: 'cancelled', detail: 'cancelled before it finished' };
    case 'skipped':
      return {
        status: 'skipped',
        detail:
          outcome.because.length === 0
            ? 'not run: no requirement failed'
            : `not run: ${outcome.because.map((j) => j.label).join(', ')} did not succeed`,
      };
  }
}
