// Compiled (nodenext) and run by `npm run check:consumer` in a scratch project where the packed tarball is
// installed: a small SshJob on a LocalNode, from the package as users get it. Exit status 1 on a mismatch.
import { lastValueFrom, toArray } from 'rxjs';

import { LocalNode, Run, Scheduler, SshJob, Variables, commandEvents, stdout } from 'rxjobs';

const node = new LocalNode({ label: 'here' });
const variables = new Variables();
const job = new SshJob(
  node,
  [
    'echo hello',
    new Run('printf', '%s\\n', 'it works', { capture: 'said' }),
    new Run('exit 3', { allowedExits: [3] }),
  ],
  { label: 'hello', variables },
);
const scheduler = new Scheduler([job], { timeout: 10_000 });
const said = await lastValueFrom(scheduler.run().pipe(commandEvents(), stdout(), toArray()));

const problems: string[] = [];
if (said.join('|') !== 'hello|it works') problems.push(`stdout lines: ${JSON.stringify(said)}`);
if (job.result() !== 3) problems.push(`result: ${String(job.result())}`);
if (variables.get('said') !== 'it works') problems.push(`captured: ${String(variables.get('said'))}`);
if (!scheduler.why().startsWith('fine')) problems.push(`why: ${scheduler.why()}`);
if (problems.length > 0) {
  console.error(`local-job: MISMATCH: ${problems.join('; ')}`);
  process.exitCode = 1;
} else console.log('local-job: ok');
