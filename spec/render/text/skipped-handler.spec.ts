// A one-failed handler skipped because nothing failed has no job to blame: the listing, the progress line and
// the failure reason say so, instead of an empty "{} did not succeed".
import { expect } from 'chai';
import { lastValueFrom, toArray } from 'rxjs';

import { Job, RunIf, Scheduler } from '../../../lib/index.js';
import { describeFailure } from '../../../lib/render/text/failure-reason.js';
import { progressText } from '../../../lib/render/text/progress-text.js';

describe('a one-failed handler skipped because no requirement failed', () => {
  it('reads "no requirement failed" in list(), the progress line and the failure reason', async () => {
    const work = new Job(() => Promise.resolve(1), { label: 'work' });
    const handler = new Job(() => Promise.resolve(2), {
      label: 'alarm',
      requires: work,
      runIf: RunIf.OneFailed,
    });
    const scheduler = new Scheduler([work, handler]);
    const events = await lastValueFrom(scheduler.run().pipe(toArray()));
    const skipped = events.find((e) => e.type === 'skipped');
    expect(skipped && progressText(skipped)).to.equal('-- alarm: skipped (no requirement failed)');
    expect(scheduler.list({ ascii: true }).split('\n')[1]).to.match(
      /<Job `alarm`> \[skipped: no requirement failed\]/,
    );
    const outcome = handler.outcome();
    expect(outcome && describeFailure(outcome)?.detail).to.equal('not run: no requirement failed');
  });
});
