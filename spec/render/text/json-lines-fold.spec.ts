// The fields that json-lines records gained with folded schedulers, budgets and retries: `group` (a member
// of a folded scheduler), `tolerated` and `ignored` (failures its maxFailures forgave), `attempt` (a retry's
// started record) and `attempts` (a failure after retries). Additive only: records without them are as before.
import { expect } from 'chai';
import { defer, lastValueFrom, of, throwError, toArray } from 'rxjs';

import { Job, Scheduler } from '../../../lib/index.js';
import { toJsonLines } from '../../../lib/render/text/json-lines.js';
import { fits, hostGroup, LenientGroup, member, unreachable } from '../../helpers/folded.js';

const TS = '2024-05-01T12:00:00.000Z';
const now = (): Date => new Date(TS);

/** The records of a run of `scheduler`, parsed back. */
const recordsOf = async (scheduler: Scheduler): Promise<Record<string, unknown>[]> =>
  (await lastValueFrom(scheduler.run().pipe(toJsonLines({ now }), toArray()))).map(
    (line) => JSON.parse(line) as Record<string, unknown>,
  );

describe('toJsonLines: fields of folded groups, budgets and retries', () => {
  it('names the folded group of each member record and says which failures were tolerated', async () => {
    const group = hostGroup('prepare', fits(3), ['fit02'], { maxFailures: 1 });
    const records = await recordsOf(new Scheduler([group], { label: 'main' }));
    const g = 'prepare fit[01-03]';
    expect(records.filter((r) => r['job'] === 'prepare@fit02')).to.deep.equal([
      { ts: TS, type: 'started', job: 'prepare@fit02', scheduler: g, group: g },
      {
        ts: TS,
        type: 'failed',
        job: 'prepare@fit02',
        scheduler: g,
        group: g,
        critical: false,
        error: {
          name: 'JobFailedError',
          code: 'job-failed',
          message: 'job "prepare@fit02" failed: Error: boom on fit02',
        },
        tolerated: true,
      },
    ]);
    // every record of a member, its values too
    expect(
      records.filter((r) => r['job'] === 'prepare@fit01').map((r) => [r['type'], r['group']]),
    ).to.deep.equal([
      ['started', g],
      ['value', g],
      ['done', g],
    ]);
    // the group's own records, in main (not folded), have no group
    expect(records.filter((r) => r['job'] === g)).to.deep.equal([
      { ts: TS, type: 'started', job: g, scheduler: 'main' },
      { ts: TS, type: 'done', job: g, scheduler: 'main', value: true },
    ]);
  });

  it('writes ignored, not tolerated, on a failure the budget did not count', async () => {
    const group = new LenientGroup([unreachable('p', 'fit01'), member('p', 'fit02')], {
      label: 'p fit[01-02]',
      fold: true,
      maxFailures: 0,
    });
    const records = await recordsOf(new Scheduler([group], { label: 'main' }));
    const failed = records.filter((r) => r['type'] === 'failed');
    expect(failed.map((r) => [r['job'], r['group'], r['tolerated'], r['ignored']])).to.deep.equal([
      ['p@fit01', 'p fit[01-02]', undefined, true],
    ]);
  });

  it('writes attempt on the started record of a retry and attempts on the last failure', async () => {
    let runs = 0;
    const flaky = new Job(
      () =>
        defer(() => {
          runs++;
          return throwError(() => new Error(`attempt ${String(runs)}`));
        }),
      { label: 'flaky', retries: { count: 1, delay: 0 }, critical: false },
    );
    const records = await recordsOf(
      new Scheduler([flaky, new Job(() => of(1), { label: 'fine' })], { label: 'main' }),
    );
    const mine = records.filter((r) => r['job'] === 'flaky');
    expect(mine.map((r) => [r['type'], r['attempt'], r['attempts']])).to.deep.equal([
      ['started', undefined, undefined],
      ['started', 2, undefined],
      ['failed', undefined, 2],
    ]);
    expect(Object.keys(mine[1] ?? {})).to.deep.equal(['ts', 'type', 'job', 'scheduler', 'attempt']);
    expect(
      records.filter((r) => r['job'] === 'fine').every((r) => !('group' in r) && !('tolerated' in r)),
    ).to.equal(true);
  });
});
