// The progress lines of writeProgress (orchestrate({ verbose: true })) for retries and failure budgets.
import { expect } from 'chai';
import { defer, lastValueFrom, throwError, toArray } from 'rxjs';

import { Job, Scheduler } from '../../../lib/index.js';
import { progressText, summaryText } from '../../../lib/render/text/progress-text.js';
import { fits, hostGroup } from '../../helpers/folded.js';

/** The progress lines of one run of `scheduler`. */
const linesOf = async (scheduler: Scheduler): Promise<string[]> =>
  (await lastValueFrom(scheduler.run().pipe(toArray())))
    .map(progressText)
    .filter((l): l is string => l !== undefined);

describe('progressText: retries and failure budgets', () => {
  it('says which attempt a retry is, and that a failure was tolerated', async () => {
    let runs = 0;
    const flaky = new Job(
      () =>
        defer(() => {
          runs++;
          return throwError(() => new Error(`attempt ${String(runs)} failed`));
        }),
      { label: 'flaky', retries: { count: 1, delay: 0 }, critical: false },
    );
    const group = hostGroup('prepare', fits(2), ['fit02'], { maxFailures: 1 });
    const lines = await linesOf(new Scheduler([flaky, group], { label: 'main' }));
    expect(lines).to.include('-- flaky: started');
    expect(lines).to.include('-- flaky: started (attempt 2)');
    expect(lines).to.include('-- flaky: FAILED: job "flaky" failed: Error: attempt 2 failed');
    expect(lines).to.include(
      '-- prepare@fit02: FAILED (tolerated): job "prepare@fit02" failed: Error: boom on fit02',
    );
    expect(lines).to.include('-- prepare fit[01-02]: done -> true');
  });

  it('the summary at the end says which failures were tolerated', async () => {
    const group = hostGroup('prepare', fits(3), ['fit02', 'fit03'], { maxFailures: 1, jobsWindow: 1 });
    const scheduler = new Scheduler([group], { label: 'main' });
    const events = await lastValueFrom(scheduler.run().pipe(toArray()));
    const end = events.at(-1);
    if (end?.type !== 'end') throw new Error('no end event');
    const failures = new Map(
      events.flatMap((e) =>
        e.type === 'failed' ? [[e.job, { status: 'failed', error: e.error } as const]] : [],
      ),
    );
    expect(summaryText(end, failures).split('\n')).to.deep.equal([
      '== main: ok (fine: every job completed (1 failed, not critical))',
      '== 3 job(s) did not succeed:',
      '   prepare@fit02       failed (tolerated)  job "prepare@fit02" failed: Error: boom on fit02',
      '   prepare@fit03       failed              job "prepare@fit03" failed: Error: boom on fit03',
      '   prepare fit[01-03]  scheduler-aborted   scheduler "prepare fit[01-03]" ended false: 2 of 3 members failed, more than maxFailures 1: "prepare@fit03" failed: Error: boom on fit03',
      '',
    ]);
  });
});
