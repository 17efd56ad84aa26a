// Type tests of the renderers and of Service: checked by `tsc -p .` (npm run typecheck), never run.
// Pass-through renderers keep the type of what they are given; the others say what they emit.
import { filter, lastValueFrom, of } from 'rxjs';
import type { Observable } from 'rxjs';

import {
  Scheduler,
  Service,
  SshJob,
  captureStdout,
  commandEvents,
  toJsonLines,
  writeHostFiles,
  writeLines,
} from '../../lib/index.js';
import type {
  CommandEvent,
  ExitEvent,
  JobFailedEvent,
  LineEvent,
  Node,
  PassThroughOperator,
  Run,
  SchedulerEvent,
} from '../../lib/index.js';

declare const node: Node;
const scheduler = new Scheduler([new SshJob(node, 'true')]);

// the README's line: the last event of the stream, still a SchedulerEvent (not unknown)
export const end = lastValueFrom(scheduler.run().pipe(writeLines()));
end satisfies Promise<SchedulerEvent>;
// @ts-expect-error not unknown, nor any
end satisfies Promise<number>;
lastValueFrom(
  scheduler.run().pipe(writeHostFiles('out'), writeLines({ format: 'raw' })),
) satisfies Promise<SchedulerEvent>;

// on a command stream, and on a narrowed stream: the precise type is kept
node.exec('ls').pipe(writeLines()) satisfies Observable<CommandEvent>;
node.exec('ls').pipe(writeHostFiles('out')) satisfies Observable<CommandEvent>;
declare const linesOnly: Observable<LineEvent>;
linesOnly.pipe(writeLines(), writeHostFiles('out')) satisfies Observable<LineEvent>;
scheduler.run().pipe(
  filter((e) => e.type === 'failed'),
  writeLines(),
) satisfies Observable<JobFailedEvent>;
const keep: PassThroughOperator = writeLines();
scheduler.run().pipe(keep) satisfies Observable<SchedulerEvent>;
// @ts-expect-error a pass-through renderer takes events, not numbers
of(1).pipe(writeLines());

// renderers that transform say what they emit
scheduler.run().pipe(toJsonLines()) satisfies Observable<string>;
scheduler.run().pipe(commandEvents()) satisfies Observable<CommandEvent>;
node.exec('uname -r').pipe(captureStdout()) satisfies Observable<string>;
declare const exits: Observable<ExitEvent>;
exits.pipe(writeLines()) satisfies Observable<ExitEvent>;

// Service: each method returns a Run and takes Run's options, capture included
const iperf = new Service('iperf3 -s', { serviceId: 'iperf' });
iperf.logs({ capture: 'log' }) satisfies Run;
iperf.status({ capture: 'state', allowedExits: [3] }) satisfies Run;
iperf.start({ label: 'start iperf', env: { LANG: 'C' } }) satisfies Run;
iperf.stop({ label: 'stop iperf' }) satisfies Run;
// @ts-expect-error unknown option
iperf.logs({ captured: 'log' });
