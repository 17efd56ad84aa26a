// Folded schedulers in listings: a scheduler with `fold: true` (a GroupJob, a MatrixJob) is one line of
// list() and debrief() that counts its members; `unfold` lists them as today.
import { expect } from 'chai';

import { Scheduler } from '../../../lib/index.js';
import { listing } from '../../../lib/render/text/list.js';
import { fits, hostGroup, HostGroup, LenientGroup, member, unreachable } from '../../helpers/folded.js';
import { labelJob as job } from '../../helpers/jobs.js';

/** load -> prepare fit[01-05] (fit02 and fit04 failing) -> collect, in `main`. */
const testbed = (options: { maxFailures?: number; failing?: string[] } = {}) => {
  const load = job('load');
  const group = hostGroup('prepare', fits(5), options.failing ?? ['fit02', 'fit04'], {
    requires: load,
    ...(options.maxFailures === undefined ? {} : { maxFailures: options.maxFailures }),
  });
  const collect = job('collect', { requires: group });
  return { group, scheduler: new Scheduler([load, group, collect], { label: 'main' }) };
};

describe('Scheduler.list(): folded schedulers', () => {
  it('shows a folded scheduler as one line, its members not run, and gives them no ids', () => {
    const { scheduler } = testbed();
    expect(scheduler.list().split('\n')).to.deep.equal([
      '1     ⚐   <Job `load`> [not done]',
      '2     ⚐   <HostGroup `prepare fit[01-05]`> 5 not run requires:{1}',
      '3     ⚐   <Job `collect`> [not done] requires:{2}',
    ]);
  });

  it('counts members by status and folds the hosts of the tolerated failures', async () => {
    const { scheduler } = testbed({ maxFailures: 2 });
    expect(await scheduler.orchestrate()).to.equal(true);
    expect(scheduler.list().split('\n')).to.deep.equal([
      '1   ☉ ☓   <Job `load`> [[ -> "load"]]',
      '2   ☉ ☓   <HostGroup `prepare fit[01-05]`> 3 done, 2 failed (fit[02,04], tolerated) requires:{1}',
      '3   ☉ ☓   <Job `collect`> [[ -> "collect"]] requires:{2}',
    ]);
  });

  it('says how many failures were tolerated when the budget ran out, then why the scheduler failed', async () => {
    const { scheduler } = testbed({ maxFailures: 1 });
    expect(await scheduler.orchestrate()).to.equal(true); // the group is not critical
    expect(scheduler.list().split('\n')[1]).to.equal(
      '2   ★ ☓   <HostGroup `prepare fit[01-05]`> 2 done, 2 failed (fit[02,04], 1 tolerated), 1 not run ' +
        '!! exception => SchedulerAbortedError: scheduler "prepare fit[01-05]" ended false: 2 of 5 members ' +
        'failed, more th... !! requires:{1}',
    );
  });

  it('names failures that nothing tolerated without a word of tolerance', async () => {
    const group = hostGroup('prepare', fits(3), ['fit03'], { critical: false });
    const scheduler = new Scheduler([group], { label: 'main' });
    expect(await scheduler.orchestrate()).to.equal(true);
    expect(scheduler.list()).to.equal('1   ☉ ☓   <HostGroup `prepare fit[01-03]`> 2 done, 1 failed (fit03)');
  });

  it('adds the result of a folded scheduler that failed after its counts', async () => {
    const group = hostGroup('prepare', fits(3), ['fit02'], { critical: true });
    const scheduler = new Scheduler([group], { label: 'main' });
    expect(await scheduler.orchestrate()).to.equal(false);
    expect(scheduler.list()).to.equal(
      '1 ⚠ ★ ☓   <HostGroup `prepare fit[01-03]`> 1 done, 1 failed (fit02), 1 not run !! CRIT. EXC. => ' +
        'SchedulerAbortedError: scheduler "prepare fit[01-03]" ended false: critical job "prepare@fit02" f... !!',
    );
  });

  it('says ignored for failures the budget did not count, and both counts when it forgave both ways', async () => {
    const lenient = new LenientGroup([unreachable('p', 'fit01'), member('p', 'fit02')], {
      label: 'p fit[01-02]',
      fold: true,
      maxFailures: 0,
    });
    const mixed = new LenientGroup(
      [unreachable('p', 'fit01'), member('p', 'fit02', ['fit02']), member('p', 'fit03', ['fit03'])],
      { label: 'p fit[01-03]', fold: true, maxFailures: 1, jobsWindow: 1 },
    );
    const scheduler = new Scheduler([lenient, mixed], { label: 'main' });
    await scheduler.orchestrate();
    expect(scheduler.list().split('\n')).to.deep.equal([
      '1   ☉ ☓   <LenientGroup `p fit[01-02]`> 1 done, 1 failed (fit01, ignored)',
      '2   ★ ☓   <LenientGroup `p fit[01-03]`> 3 failed (fit[01-03], 1 tolerated, 1 ignored) !! exception => ' +
        'SchedulerAbortedError: scheduler "p fit[01-03]" ended false: 2 of 3 members failed (and 1 ignored... !!',
    ]);
  });

  it('lists every member with its own id with unfold, as any nested scheduler', async () => {
    const { scheduler } = testbed({ maxFailures: 2 });
    await scheduler.orchestrate();
    const lines = scheduler.list({ unfold: true }).split('\n');
    expect(lines[1]).to.equal(
      '2   ☉ ☓   <HostGroup `prepare fit[01-05]`> [[ -> true]] requires:{1} -> entries:{3,4,5,6,7}',
    );
    expect(lines[3]).to.equal(
      '4   ★ ☓   > <Job `prepare@fit02`> !! exception (tolerated) => Error: boom on fit02 !!',
    );
    expect(lines[7]).to.equal('2 --end-- < <HostGroup `prepare fit[01-05]`> exits:{3,4,5,6,7}');
    expect(lines[8]).to.equal('8   ☉ ☓   <Job `collect`> [[ -> "collect"]] requires:{2}');
    expect(listing(scheduler, { unfold: true })).to.equal(lines.join('\n'));
  });

  it('keeps to ASCII in ascii mode, the × of matrix keys included', async () => {
    class Pairs extends HostGroup {
      override _foldKey(): string {
        return 'fit01×fit02';
      }
    }
    const pairs = new Pairs([member('send', 'fit01', ['fit01'])], {
      label: 'pairs',
      fold: true,
      maxFailures: 1,
    });
    const scheduler = new Scheduler([pairs], { label: 'main' });
    await scheduler.orchestrate();
    const text = scheduler.list({ ascii: true });
    expect(text).to.equal('1   + x   <Pairs `pairs`> 1 failed (fit01xfit02, tolerated)');
    expect(/^[\x20-\x7e]*$/.test(text)).to.equal(true);
    expect(scheduler.list()).to.equal('1   ☉ ☓   <Pairs `pairs`> 1 failed (fit01×fit02, tolerated)');
    // printed on a non-UTF-8 locale: ASCII by itself
    const { LC_ALL } = process.env;
    const own = Object.getOwnPropertyDescriptor(process.stdout, 'write');
    const written: string[] = [];
    process.env['LC_ALL'] = 'C';
    process.stdout.write = (chunk: string | Uint8Array): boolean => written.push(String(chunk)) > 0;
    try {
      scheduler.list({ print: true });
    } finally {
      if (own === undefined) Reflect.deleteProperty(process.stdout, 'write');
      else Object.defineProperty(process.stdout, 'write', own);
      if (LC_ALL === undefined) delete process.env['LC_ALL'];
      else process.env['LC_ALL'] = LC_ALL;
    }
    expect(written).to.deep.equal([`${text}\n`]);
  });

  it('debrief(): the folded line, then every failure, the tolerated ones said so', async () => {
    const { scheduler } = testbed({ maxFailures: 2 });
    await scheduler.orchestrate();
    const text = scheduler.debrief();
    expect(text).to.include(
      '2   ☉ ☓   <HostGroup `prepare fit[01-05]`> 3 done, 2 failed (fit[02,04], tolerated) requires:{1}',
    );
    expect(text).to.include('===== 2 job(s) failed, including 0 critical');
    expect(text).to.include('non-critical job `prepare@fit02` (tolerated):');
    expect(text).to.include('non-critical job `prepare@fit04` (tolerated):');
    expect(scheduler.debrief({ unfold: true })).to.include('<Job `prepare@fit02`>');
  });

  it('takes unfold in list() and debrief(), and refuses one that is not a boolean', () => {
    const { scheduler } = testbed();
    expect(scheduler.list({ unfold: true })).to.include('prepare@fit05');
    expect(scheduler.debrief({ unfold: false })).not.to.include('prepare@fit05');
    expect(() => scheduler.list({ unfold: 'yes' as unknown as boolean }))
      .to.throw(/unfold/)
      .with.property('name', 'ConfigError');
  });
});
