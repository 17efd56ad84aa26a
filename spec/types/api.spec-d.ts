// Type tests: checked by `tsc -p .` (npm run typecheck), never run. Each @ts-expect-error must stay an error.
import { of } from 'rxjs';
import type { Observable } from 'rxjs';

import { isJobsError, Job, Run, Scheduler, Sequence, SshJob } from '../../lib/index.js';
import type {
  ChunkEvent,
  CommandEvent,
  JobOutcome,
  JobsError,
  JobStatus,
  Node,
  OutputMode,
  SchedulerEvent,
} from '../../lib/index.js';

// a job's value type comes from its work
const counted = new Job(() => of(1, 2, 3));
counted.result() satisfies number | undefined;
const fromPromise = new Job(async () => 'text');
fromPromise.result() satisfies string | undefined;
new Job(of(true)).result() satisfies boolean | undefined;

// @ts-expect-error a Promise has already started: work must be a function
new Job(Promise.resolve(1));
// @ts-expect-error work must return an Observable, a Promise or an iterable
new Job(() => 1);
// @ts-expect-error unknown runIf
new Job(() => of(1), { runIf: 'sometimes' });
// the trigger rules, and the bound on the cleanup phase they may run in
new Job(() => of(1), { runIf: 'always' });
new Job(() => of(1), { runIf: 'one-failed', requires: counted });
new Scheduler([], { cleanupTimeout: 5000 }).cleanupTimeout satisfies number | undefined;
// @ts-expect-error durations are numbers of milliseconds
new Scheduler([], { cleanupTimeout: '5s' });
// @ts-expect-error durations are numbers of milliseconds
new Job(() => of(1), { timeout: '10s' });
// @ts-expect-error unknown option
new Job(() => of(1), { retry: 3 });
// retries: a count, or RetryOptions
new Job(() => of(1), { retries: 3 });
new Job(() => of(1), { retries: { count: 2, delay: 10, backoff: 1.5, maxDelay: 100 } });
// @ts-expect-error a count is required
new Job(() => of(1), { retries: { delay: 10 } });

// work receives a context with an AbortSignal
new Job(({ signal }) => fetchLike(signal));
declare function fetchLike(signal: AbortSignal): Promise<string>;

// requires takes jobs, Sequences, arrays and nullish values; it chains
const a = new Job(() => of('a'));
const sequence = new Sequence(a, new Job(() => of('b')));
new Job(() => of('c'))
  .requires(a, sequence, [a, [sequence]], null, undefined)
  .requires(a) satisfies Job<string>;
// @ts-expect-error requirements are jobs
a.requires('a');

// a Scheduler is a Job (so it nests), of boolean
const nested = new Scheduler([a], { jobsWindow: 2, timeout: 1000 });
const asJob: Job<boolean> = nested;
new Scheduler([asJob, sequence, [counted, [fromPromise]]], { critical: true, shutdownTimeout: 500 });
nested.orchestrate() satisfies Promise<boolean>;
nested.orchestrate({ timeout: 5000 }) satisfies Promise<boolean>;

// run() is an Observable of a union discriminated by `type`
const events: Observable<SchedulerEvent> = nested.run();
events.subscribe((e) => {
  switch (e.type) {
    case 'failed':
      e.error satisfies JobsError;
      e.critical satisfies boolean;
      e.job satisfies Job;
      break;
    case 'end':
      e.ok satisfies boolean;
      e.why satisfies string;
      // @ts-expect-error the end event is about a scheduler, not a job
      void e.job;
      // the scheduler events carry is the public Scheduler: its listing and graphs are at hand
      e.scheduler satisfies Scheduler;
      e.scheduler.debrief() satisfies string;
      break;
    case 'value':
      e.value satisfies unknown;
      break;
    default:
      e.job satisfies Job;
      e.scheduler.toDot() satisfies string;
  }
});

// outcomes and statuses are unions of literals
const outcome: JobOutcome<number> | undefined = counted.outcome();
if (outcome?.status === 'done') outcome.value satisfies number | undefined;
counted.status satisfies JobStatus;
// @ts-expect-error not a status
const wrong: JobStatus = 'finished';
void wrong;

// error guards narrow by code
declare const e: unknown;
if (isJobsError(e, 'cycle')) e.cycle satisfies readonly Job[];
if (isJobsError(e, 'foreign-requirement')) e.requirement satisfies Job;
if (isJobsError(e, 'config')) e.field satisfies string;
if (isJobsError(e, 'job-timeout')) e.timeout satisfies number;
// @ts-expect-error unknown error code
isJobsError(e, 'no-such-code');

// subclasses override the protected work(); it is not callable from outside
class Ping extends Job<string> {
  protected override work(): Observable<string> {
    return of('pong');
  }
}
const ping = new Ping({ label: 'ping', critical: true });
// @ts-expect-error work() is protected
ping.work();

// command events: a union discriminated by `type`; chunk events (output: 'chunks') carry bytes, no text
declare const node: Node;
node.exec('cat big', { output: 'chunks' }).subscribe((ce: CommandEvent) => {
  if (ce.type === 'chunk') {
    ce satisfies ChunkEvent;
    ce.bytes satisfies Buffer;
    // @ts-expect-error a chunk may cut a character: it has no text
    void ce.text;
  } else if (ce.type === 'line') ce.text satisfies string;
  else ce.code satisfies number | null;
});
// @ts-expect-error the output modes are 'lines' and 'chunks'
node.exec('cat big', { output: 'raw' });
new SshJob(node, [new Run('cat big', { output: 'lines' })], { output: 'chunks' });
'chunks' satisfies OutputMode;
