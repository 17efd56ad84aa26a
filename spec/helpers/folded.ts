// A folded scheduler for render and CLI specs, without lib/fleet: a plain Scheduler with `fold: true` whose
// members are labelled `<what>@<host>` and folded under their host, as a GroupJob's are.
import { throwError } from 'rxjs';

import { foldHosts, Job, Scheduler } from '../../lib/index.js';
import type { JobOptions, JobsError, SchedulerOptions } from '../../lib/index.js';
import { graphJob } from './jobs.js';

/** A scheduler whose members fold under the text after their `@` (their host). */
export class HostGroup extends Scheduler {
  override _foldKey(member: Job): string {
    return member.label.slice(member.label.indexOf('@') + 1);
  }
}

/** A member job `what@host` that fails with `boom on host` when `host` is in `failing`. */
export const member = (
  what: string,
  host: string,
  failing: readonly string[] = [],
  options: JobOptions = {},
): Job =>
  failing.includes(host)
    ? new Job(() => throwError(() => new Error(`boom on ${host}`)), { label: `${what}@${host}`, ...options })
    : graphJob(`${what}@${host}`, options);

/** `fit01`...`fitNN`, zero-padded to two digits. */
export const fits = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `fit${String(i + 1).padStart(2, '0')}`);

/** A folded group `what <hosts folded>` (`prepare fit[01-05]`) of one member per host, those in `failing` failing. */
export const hostGroup = (
  what: string,
  hosts: readonly string[],
  failing: readonly string[] = [],
  options: SchedulerOptions = {},
): HostGroup =>
  new HostGroup(
    hosts.map((h) => member(what, h, failing)),
    { label: `${what} ${foldHosts(hosts)}`, fold: true, ...options },
  );

/** A HostGroup that does not count failures saying `unreachable`, as a group that ignores unreachable hosts. */
export class LenientGroup extends HostGroup {
  override _uncounted(error: JobsError): boolean {
    return error.message.includes('unreachable');
  }
}

/** A member job `what@host` that fails with `host unreachable`. */
export const unreachable = (what: string, host: string): Job =>
  new Job(() => throwError(() => new Error(`${host} unreachable`)), { label: `${what}@${host}` });
