// Type tests of valuesOf/outcomeOf: checked by `tsc -p .` (npm run typecheck), never run.
import { of } from 'rxjs';
import type { Observable } from 'rxjs';

import { Job, outcomeOf, Scheduler, SshJob, valuesOf } from '../../lib/index.js';
import type { CommandEvent, JobOutcome, Node } from '../../lib/index.js';

const counted = new Job(() => of(1, 2, 3));
const named = new Job(async () => 'text');
const scheduler = new Scheduler([counted, named]);

// a job's values are typed from its work
scheduler.run().pipe(valuesOf(counted)) satisfies Observable<number>;
scheduler.run().pipe(valuesOf(named)) satisfies Observable<string>;
// @ts-expect-error a Job<number> gives numbers, not strings
scheduler.run().pipe(valuesOf(counted)) satisfies Observable<string>;

// an SshJob's values are its command events (its result() is the last exit code)
declare const node: Node;
const ssh = new SshJob(node, 'ls');
scheduler.run().pipe(valuesOf(ssh)) satisfies Observable<CommandEvent>;

// outcomes carry the value type too
scheduler.run().pipe(outcomeOf(counted)) satisfies Observable<JobOutcome<number>>;
scheduler
  .run()
  .pipe(outcomeOf(named))
  .subscribe((o) => {
    if (o.status === 'done') o.value satisfies string | undefined;
  });

// @ts-expect-error an operator over scheduler events, not over a job's own values
of(1, 2).pipe(valuesOf(counted));
