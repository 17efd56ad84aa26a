// The text listings: Scheduler.list(), Scheduler.debrief() and listingLegend() (asynciojobs' list(),
// debrief() and test_display, tests/test_basics.py).
import { expect } from 'chai';
import { NEVER, of, throwError } from 'rxjs';

import { Job, listingLegend, Scheduler, Sequence } from '../../../lib/index.js';
import type { JobOptions } from '../../../lib/index.js';
import { debrief, listing } from '../../../lib/render/text/list.js';
import { labelJob as job } from '../../helpers/jobs.js';

/** A job whose result is its label, resolved on a later tick (so that jobs after it in a batch start). */
const asyncJob = (label: string, options: JobOptions = {}): Job<string> =>
  new Job(
    async () => {
      await Promise.resolve();
      return label;
    },
    { label, ...options },
  );

/** A job whose work errors with `error`. */
const failing = (label: string, error: Error, options: JobOptions = {}): Job =>
  new Job(() => throwError(() => error), { label, ...options });

/** A job that never ends. */
const hanging = (label: string, options: JobOptions = {}): Job => new Job(() => NEVER, { label, ...options });

/** Indents every line of `text` by four spaces, as debrief() does with stacks. */
const indented = (text: string): string =>
  text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');

const UNICODE = ['⚠', '★', '☉', '☓', '↺', '⚑', '⚐', '⊘', '↷', '∞'];
const ASCII = ['!', '*', '+', 'x', '~', '.', '-', '/', '^', '8'];

describe('Scheduler.list()', () => {
  it('lists jobs in topological order, ids zero-padded to the width of the largest, before and after a run', async () => {
    const a = job('a');
    const b = asyncJob('b', { critical: true });
    const c = job('c', { requires: [a, b] });
    const tail = new Sequence(...[1, 2, 3, 4, 5, 6, 7].map((i) => job(`t${String(i)}`)));
    tail.requires(c);
    const scheduler = new Scheduler([tail, c, a, b]);
    expect(scheduler.list().split('\n')).to.deep.equal([
      '01     ⚐   <Job `a`> [not done]',
      '02 ⚠   ⚐   <Job `b`> [not done]',
      '03     ⚐   <Job `c`> [not done] requires:{01,02}',
      '04     ⚐   <Job `t1`> [not done] requires:{03}',
      '05     ⚐   <Job `t2`> [not done] requires:{04}',
      '06     ⚐   <Job `t3`> [not done] requires:{05}',
      '07     ⚐   <Job `t4`> [not done] requires:{06}',
      '08     ⚐   <Job `t5`> [not done] requires:{07}',
      '09     ⚐   <Job `t6`> [not done] requires:{08}',
      '10     ⚐   <Job `t7`> [not done] requires:{09}',
    ]);
    expect(await scheduler.orchestrate()).to.equal(true);
    expect(scheduler.list().split('\n')).to.deep.equal([
      '01   ☉ ☓   <Job `a`> [[ -> "a"]]',
      '02 ⚠ ☉ ☓   <Job `b`> [[ -> "b"]]',
      '03   ☉ ☓   <Job `c`> [[ -> "c"]] requires:{01,02}',
      '04   ☉ ☓   <Job `t1`> [[ -> "t1"]] requires:{03}',
      '05   ☉ ☓   <Job `t2`> [[ -> "t2"]] requires:{04}',
      '06   ☉ ☓   <Job `t3`> [[ -> "t3"]] requires:{05}',
      '07   ☉ ☓   <Job `t4`> [[ -> "t4"]] requires:{06}',
      '08   ☉ ☓   <Job `t5`> [[ -> "t5"]] requires:{07}',
      '09   ☉ ☓   <Job `t6`> [[ -> "t6"]] requires:{08}',
      '10   ☉ ☓   <Job `t7`> [[ -> "t7"]] requires:{09}',
    ]);
  });

  it('does not pad ids up to 9, counting nested schedulers and their jobs', () => {
    const nine = new Scheduler([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => job(`j${String(i)}`)));
    expect(
      nine
        .list()
        .split('\n')
        .map((l) => l.slice(0, 2)),
    ).to.deep.equal(['1 ', '2 ', '3 ', '4 ', '5 ', '6 ', '7 ', '8 ', '9 ']);
    const inner = new Scheduler(
      [1, 2, 3, 4, 5, 6, 7, 8].map((i) => job(`i${String(i)}`)),
      { label: 'inner' },
    );
    const ten = new Scheduler([job('top'), inner]);
    const ids = ten
      .list()
      .split('\n')
      .map((l) => l.slice(0, l.indexOf(' ')));
    expect(ids).to.deep.equal(['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '02']);
  });

  it('lists the results of numbers and objects, and an empty scheduler as nothing', async () => {
    const n = new Job(() => of(1, 2, 42), { label: 'n' });
    const o = new Job(() => Promise.resolve({ x: [1] }), { label: 'o' });
    const u = new Job(() => of(undefined), { label: 'u' });
    const scheduler = new Scheduler([n, o, u]);
    expect(await scheduler.orchestrate()).to.equal(true);
    expect(scheduler.list().split('\n')).to.deep.equal([
      '1   ☉ ☓   <Job `n`> [[ -> 42]]',
      '2   ☉ ☓   <Job `o`> [[ -> { x: [ 1 ] }]]',
      '3   ☉ ☓   <Job `u`> [[ -> undefined]]',
    ]);
    const empty = new Scheduler();
    expect(empty.list()).to.equal('');
    expect(await empty.orchestrate()).to.equal(true);
    expect(empty.list()).to.equal('');
  });

  describe('badges', () => {
    it('shows a running job ↺ and jobs waiting for a window slot ⚑', async () => {
      let snapshot = '';
      let seen = '';
      const w1 = job('w1');
      const w2 = job('w2');
      const scheduler: Scheduler = new Scheduler([], { jobsWindow: 1 });
      const spy = new Job(
        () => {
          seen = `${w1.status} ${w2.status}`;
          snapshot = scheduler.list();
          return of('spy');
        },
        { label: 'spy' },
      );
      scheduler.add(spy, w1, w2);
      expect(await scheduler.orchestrate()).to.equal(true);
      expect(seen).to.equal('scheduled scheduled');
      expect(snapshot.split('\n')).to.deep.equal([
        '1   ☉ ↺   <Job `spy`> [not done]',
        '2     ⚑   <Job `w1`> [not done]',
        '3     ⚑   <Job `w2`> [not done]',
      ]);
    });

    it('shows done ☓ ☉, failed ★ (with the exception), cancelled forever ⊘, skipped ↷', async () => {
      const forever = hanging('forever', { forever: true });
      const ok = asyncJob('ok');
      const boom = failing('boom', new Error('msg'));
      const skipped = job('skipped', { requires: boom, runIf: 'all-success' });
      const after = job('after', { requires: boom });
      const scheduler = new Scheduler([forever, ok, boom, skipped, after]);
      expect(await scheduler.orchestrate()).to.equal(true);
      expect(scheduler.list().split('\n')).to.deep.equal([
        '1   ☉ ⊘ ∞ <Job `forever`> [cancelled]',
        '2   ☉ ☓   <Job `ok`> [[ -> "ok"]]',
        '3   ★ ☓   <Job `boom`> !! exception => Error: msg !!',
        '4     ↷   <Job `skipped`> [skipped: {3} did not succeed] requires:{3}',
        '5   ☉ ☓   <Job `after`> [[ -> "after"]] requires:{3}',
      ]);
    });

    it('shows a critical failure as CRIT. EXC., with cancelled and idle jobs', async () => {
      const hang = hanging('hang');
      const crit = failing('crit', new TypeError('bad input'), { critical: true });
      const waiting = job('waiting', { requires: crit });
      const scheduler = new Scheduler([hang, crit, waiting]);
      expect(await scheduler.orchestrate()).to.equal(false);
      expect(scheduler.list().split('\n')).to.deep.equal([
        '1   ☉ ⊘   <Job `hang`> [cancelled]',
        '2 ⚠ ★ ☓   <Job `crit`> !! CRIT. EXC. => TypeError: bad input !!',
        '3     ⚐   <Job `waiting`> [not done] requires:{2}',
      ]);
    });

    it('uses ASCII symbols with ascii: true', async () => {
      const forever = hanging('forever', { forever: true });
      const ok = asyncJob('ok', { critical: true });
      const boom = failing('boom', new Error('msg'));
      const skipped = job('skipped', { requires: boom, runIf: 'all-success' });
      const idle = job('idle');
      const scheduler = new Scheduler([forever, ok, boom, skipped]);
      const before = new Scheduler([idle]);
      expect(before.list({ ascii: true })).to.equal('1     -   <Job `idle`> [not done]');
      expect(await scheduler.orchestrate()).to.equal(true);
      expect(scheduler.list({ ascii: true }).split('\n')).to.deep.equal([
        '1   + / 8 <Job `forever`> [cancelled]',
        '2 ! + x   <Job `ok`> [[ -> "ok"]]',
        '3   * x   <Job `boom`> !! exception => Error: msg !!',
        '4     ^   <Job `skipped`> [skipped: {3} did not succeed] requires:{3}',
      ]);
      expect(scheduler.list({ ascii: false })).to.equal(scheduler.list());

      let snapshot = '';
      const window: Scheduler = new Scheduler([], { jobsWindow: 1 });
      window.add(
        new Job(
          () => {
            snapshot = window.list({ ascii: true });
            return of(1);
          },
          { label: 'spy' },
        ),
        job('next'),
      );
      expect(await window.orchestrate()).to.equal(true);
      expect(snapshot.split('\n')).to.deep.equal([
        '1   + ~   <Job `spy`> [not done]',
        '2     .   <Job `next`> [not done]',
      ]);
      const crit = new Scheduler([failing('crit', new Error('bad'), { critical: true })]);
      expect(await crit.orchestrate()).to.equal(false);
      expect(crit.list({ ascii: true })).to.equal('1 ! * x   <Job `crit`> !! CRIT. EXC. => Error: bad !!');
    });

    it('shows ⚠ for critical set on the job, on its scheduler, or inherited from an outer scheduler', () => {
      const inner = new Scheduler([job('i1'), job('i2', { critical: false })], {
        label: 'inner',
        critical: true,
      });
      const plain = new Scheduler([job('p1')], { label: 'plain' });
      const top = new Scheduler([job('t1'), inner, plain, job('t2', { critical: true })]);
      expect(top.list().split('\n')).to.deep.equal([
        '1     ⚐   <Job `t1`> [not done]',
        '2 ⚠   ⚐   <Scheduler `inner`> [not done] -> entries:{3,4}',
        '3 ⚠   ⚐   > <Job `i1`> [not done]',
        '4     ⚐   > <Job `i2`> [not done]',
        '2 --end-- < <Scheduler `inner`> exits:{3,4}',
        '5     ⚐   <Scheduler `plain`> [not done] -> entries:{6}',
        '6     ⚐   > <Job `p1`> [not done]',
        '5 --end-- < <Scheduler `plain`> exits:{6}',
        '7 ⚠   ⚐   <Job `t2`> [not done]',
      ]);
      const critical = new Scheduler([job('c1'), plain], { critical: true });
      expect(critical.list().split('\n')).to.deep.equal([
        '1 ⚠   ⚐   <Job `c1`> [not done]',
        '2 ⚠   ⚐   <Scheduler `plain`> [not done] -> entries:{3}',
        '3 ⚠   ⚐   > <Job `p1`> [not done]',
        '2 --end-- < <Scheduler `plain`> exits:{3}',
      ]);
    });
  });

  describe('nested schedulers', () => {
    it('lists members indented under `-> entries:`, closed by `--end--` with exits (forever left out)', async () => {
      const pre = job('pre');
      const d1 = job('d1');
      const deep = new Scheduler([d1, asyncJob('d2', { requires: d1 })], { label: 'deep' });
      const m1 = asyncJob('m1');
      const mf = hanging('mf', { forever: true });
      deep.requires(m1);
      const mid = new Scheduler([m1, deep, mf], { label: 'mid', requires: pre });
      const top = new Scheduler([pre, mid, job('post', { requires: mid })], { label: 'top' });
      expect(top.list().split('\n')).to.deep.equal([
        '1     ⚐   <Job `pre`> [not done]',
        '2     ⚐   <Scheduler `mid`> [not done] requires:{1} -> entries:{3,4}',
        '3     ⚐   > <Job `m1`> [not done]',
        '4     ⚐ ∞ > <Job `mf`> [not done]',
        '5     ⚐   > <Scheduler `deep`> [not done] requires:{3} -> entries:{6}',
        '6     ⚐   >> <Job `d1`> [not done]',
        '7     ⚐   >> <Job `d2`> [not done] requires:{6}',
        '5 --end-- << <Scheduler `deep`> exits:{7}',
        '2 --end-- < <Scheduler `mid`> exits:{5}',
        '8     ⚐   <Job `post`> [not done] requires:{2}',
      ]);
      expect(await top.orchestrate()).to.equal(true);
      expect(top.list().split('\n')).to.deep.equal([
        '1   ☉ ☓   <Job `pre`> [[ -> "pre"]]',
        '2   ☉ ☓   <Scheduler `mid`> [[ -> true]] requires:{1} -> entries:{3,4}',
        '3   ☉ ☓   > <Job `m1`> [[ -> "m1"]]',
        '4   ☉ ⊘ ∞ > <Job `mf`> [cancelled]',
        '5   ☉ ☓   > <Scheduler `deep`> [[ -> true]] requires:{3} -> entries:{6}',
        '6   ☉ ☓   >> <Job `d1`> [[ -> "d1"]]',
        '7   ☉ ☓   >> <Job `d2`> [[ -> "d2"]] requires:{6}',
        '5 --end-- << <Scheduler `deep`> exits:{7}',
        '2 --end-- < <Scheduler `mid`> exits:{5}',
        '8   ☉ ☓   <Job `post`> [[ -> "post"]] requires:{2}',
      ]);
    });

    it('shows a nested scheduler that ended false as failed, and an empty one', async () => {
      const inner = new Scheduler([failing('boom', new Error('deep'), { critical: true })], {
        label: 'inner',
      });
      const empty = new Scheduler([], { label: 'empty' });
      const top = new Scheduler([inner, empty]);
      expect(await top.orchestrate()).to.equal(true);
      const lines = top.list().split('\n');
      expect(lines[0]).to.match(
        /^1 {3}★ ☓ {3}<Scheduler `inner`> !! exception => SchedulerAbortedError: .*deep.* !! -> entries:\{2\}$/,
      );
      expect(lines.slice(1)).to.deep.equal([
        '2 ⚠ ★ ☓   > <Job `boom`> !! CRIT. EXC. => Error: deep !!',
        '1 --end-- < <Scheduler `inner`> exits:{2}',
        '3   ☉ ☓   <Scheduler `empty`> [[ -> true]] -> entries:{}',
        '3 --end-- < <Scheduler `empty`> exits:{}',
      ]);
    });
  });

  describe('details', () => {
    class Detailed extends Job<string> {
      readonly #text: string | undefined;
      constructor(label: string, text: string | undefined, options: JobOptions = {}) {
        super(() => of(label), { label, ...options });
        this.#text = text;
      }
      override details(): string | undefined {
        return this.#text;
      }
    }

    it('prints the details() of each job under its line with details: true', () => {
      const d = new Detailed('d', 'line one\nline two');
      const none = new Detailed('none', undefined, { requires: d });
      const scheduler = new Scheduler([d, none]);
      expect(scheduler.list({ details: true }).split('\n')).to.deep.equal([
        '1     ⚐   <Detailed `d`> [not done]',
        '          line one',
        '          line two',
        '2     ⚐   <Detailed `none`> [not done] requires:{1}',
      ]);
      expect(scheduler.list().split('\n')).to.deep.equal([
        '1     ⚐   <Detailed `d`> [not done]',
        '2     ⚐   <Detailed `none`> [not done] requires:{1}',
      ]);
      expect(scheduler.list({ details: false })).to.equal(scheduler.list());
    });

    it('prints the details() of jobs inside nested schedulers', () => {
      const inner = new Scheduler([new Detailed('in', 'inside')], { label: 'inner' });
      const lines = new Scheduler([inner]).list({ details: true }).split('\n');
      expect(lines.map((l) => l.trim())).to.deep.equal([
        '1     ⚐   <Scheduler `inner`> [not done] -> entries:{2}',
        '2     ⚐   > <Detailed `in`> [not done]',
        'inside',
        '1 --end-- < <Scheduler `inner`> exits:{2}',
      ]);
    });
  });

  it('does not throw on a cycle or a requirement outside the scheduler: member order, unknown ids by label', () => {
    const a = job('a');
    const b = job('b', { requires: a });
    a.requires(b);
    const outsider = job('outsider');
    const c = job('c', { requires: outsider });
    const scheduler = new Scheduler([a, b, c]);
    expect(scheduler.checkCycles()).to.equal(false);
    expect(scheduler.list().split('\n')).to.deep.equal([
      '1     ⚐   <Job `a`> [not done] requires:{2}',
      '2     ⚐   <Job `b`> [not done] requires:{1}',
      '3     ⚐   <Job `c`> [not done] requires:{?outsider}',
    ]);
    expect(scheduler.debrief().split('\n').slice(1, 4)).to.deep.equal(scheduler.list().split('\n'));
  });
});

describe('Scheduler.debrief()', () => {
  it('starts with why(), then the listing and the counts', async () => {
    const forever = hanging('forever', { forever: true });
    const boom = failing('boom', new Error('msg'));
    const scheduler = new Scheduler([
      forever,
      asyncJob('ok'),
      boom,
      job('skipped', { requires: boom, runIf: 'all-success' }),
    ]);
    const before = scheduler.debrief().split('\n');
    expect(before[0]).to.equal(`----- ${scheduler.why()}`);
    expect(before[0]).to.equal('----- not run yet');
    expect(before.slice(1, 5)).to.deep.equal(scheduler.list().split('\n'));
    expect(before.slice(5)).to.deep.equal([
      '----- 4 job(s): 0 done, 0 failed, 0 cancelled, 0 skipped, 4 not run, 0 running',
    ]);
    expect(await scheduler.orchestrate()).to.equal(true);
    const after = scheduler.debrief().split('\n');
    expect(after[0]).to.equal(`----- ${scheduler.why()}`);
    expect(after.slice(1, 5)).to.deep.equal(scheduler.list().split('\n'));
    expect(after[5]).to.equal(
      '----- 4 job(s): 1 done, 1 failed, 1 cancelled, 1 skipped, 0 not run, 0 running',
    );
    expect(after[6]).to.equal('===== 1 job(s) failed, including 0 critical');
    expect(after[7]).to.equal('non-critical job `boom`:');
  });

  it('gives the label, the stack and the causes of each failed job, critical ones first', async () => {
    const root = new RangeError('root cause');
    const middle = new Error('middle', { cause: root });
    const outer = new Error('outer', { cause: middle });
    const other = new Error('other');
    const minor = failing('minor', other);
    const crit = failing('crit', outer, { critical: true, requires: minor });
    const scheduler = new Scheduler([minor, crit, job('never', { requires: crit })], { label: 'main' });
    expect(await scheduler.orchestrate()).to.equal(false);
    const text = scheduler.debrief();
    const lines = text.split('\n');
    expect(lines[0]).to.equal(`----- ${scheduler.why()}`);
    expect(lines[0]).to.contain('crit');
    expect(lines[4]).to.equal(
      '----- 3 job(s): 0 done, 2 failed, 0 cancelled, 0 skipped, 1 not run, 0 running',
    );
    expect(lines[5]).to.equal('===== 2 job(s) failed, including 1 critical');
    const report = lines.slice(6).join('\n');
    expect(report).to.equal(
      [
        'CRITICAL job `crit`:',
        indented(outer.stack ?? ''),
        indented(`caused by: ${middle.stack ?? ''}`),
        indented(`caused by: ${root.stack ?? ''}`),
        'non-critical job `minor`:',
        indented(other.stack ?? ''),
      ].join('\n'),
    );
    expect(report).to.contain('    Error: outer\n        at ');
    expect(report).to.contain('    caused by: RangeError: root cause\n        at ');
  });

  it('describes a thrown value that is not an Error', async () => {
    const odd = new Job(
      () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- what the listing shows for a non-Error
        throw 'a string';
      },
      { label: 'odd' },
    );
    const scheduler = new Scheduler([odd]);
    expect(await scheduler.orchestrate()).to.equal(true);
    expect(scheduler.list()).to.equal('1   ★ ☓   <Job `odd`> !! exception => "a string" !!');
    expect(scheduler.debrief().split('\n').slice(-2)).to.deep.equal([
      'non-critical job `odd`:',
      '    "a string"',
    ]);
  });
});

describe('listingLegend()', () => {
  it('lists every Unicode symbol, one per line with its meaning', () => {
    const lines = listingLegend().split('\n');
    expect(lines.map((l) => l.split(' ')[0])).to.deep.equal(UNICODE);
    for (const line of lines) expect(line).to.match(/^\S \S/);
    expect(lines).to.include('⚠ critical');
    expect(lines).to.include('∞ forever');
    expect(listingLegend(false)).to.equal(listingLegend());
  });

  it('lists every ASCII symbol with listingLegend(true), with the same meanings', () => {
    const lines = listingLegend(true).split('\n');
    expect(lines.map((l) => l.split(' ')[0])).to.deep.equal(ASCII);
    const meanings = (text: string): string[] => text.split('\n').map((l) => l.slice(l.indexOf(' ') + 1));
    expect(meanings(listingLegend(true))).to.deep.equal(meanings(listingLegend()));
  });
});

describe('listing() and debrief()', () => {
  it('are the texts of list() and debrief(), Unicode unless ascii, with no terminal', async () => {
    const a = job('a');
    const scheduler = new Scheduler([a, job('b').requires(a)]);
    await scheduler.orchestrate();
    expect(listing(scheduler)).to.equal(scheduler.list({ ascii: false }));
    expect(listing(scheduler, { ascii: true, details: true })).to.equal(
      scheduler.list({ ascii: true, details: true }),
    );
    expect(debrief(scheduler, { ascii: true })).to.equal(scheduler.debrief({ ascii: true }));
    expect(debrief(scheduler)).to.equal(scheduler.debrief({ ascii: false }));
  });
});
