import { expect } from 'chai';
import { of } from 'rxjs';

import {
  ConfigError,
  CycleError,
  ForeignRequirementError,
  isJobsError,
  Job,
  JobFailedError,
  NotAMemberError,
  Scheduler,
} from '../../lib/index.js';
import { rejection, thrown } from '../helpers/errors.js';
import { createTestScheduler, timeline } from '../helpers/marbles.js';

describe('bad input', () => {
  describe('cycles', () => {
    it('errors before any job starts, naming the cycle', () => {
      const ts = createTestScheduler();
      ts.run(({ cold, expectSubscriptions }) => {
        const aWork = cold('-a|');
        const bWork = cold('-b|');
        const free = cold('-f|');
        const a = new Job(() => aWork, { label: 'a' });
        const b = new Job(() => bWork, { label: 'b', requires: a });
        a.requires(b);
        const scheduler = new Scheduler([a, b, new Job(() => free, { label: 'free' })], { label: 'main' });
        expect(timeline(ts, scheduler.run())).to.deep.equal([
          '0 error CycleError: scheduler "main": the requirements form a cycle: b -> a -> b; ' +
            'remove one of these requirements',
        ]);
        expectSubscriptions(aWork.subscriptions).toBe([]);
        expectSubscriptions(free.subscriptions).toBe([]);
      });
    });

    it('names the cycle only, not the jobs downstream of it, and rejects orchestrate()', async () => {
      const a = new Job(of(1), { label: 'a' });
      const b = new Job(of(1), { label: 'b', requires: a });
      const c = new Job(of(1), { label: 'c', requires: b });
      const after = new Job(of(1), { label: 'after', requires: c });
      a.requires(c);
      const e = await rejection(new Scheduler([after, a, b, c]).orchestrate());
      expect(e).to.be.instanceOf(CycleError);
      expect(isJobsError(e, 'cycle') && e.cycle.map((j) => j.label)).to.deep.equal(['a', 'b', 'c']);
      expect((e as Error).message).to.include('a -> b -> c -> a');
    });

    it('treats a job requiring itself as a cycle', async () => {
      const a = new Job(of(1), { label: 'a' });
      a.requires(a);
      expect(((await rejection(new Scheduler([a]).orchestrate())) as Error).message).to.include('a -> a');
    });

    it('finds a cycle inside a nested scheduler before anything runs', async () => {
      let ran = false;
      const x = new Job(of(1), { label: 'x' });
      const y = new Job(of(1), { label: 'y', requires: x });
      x.requires(y);
      const inner = new Scheduler([x, y], { label: 'inner' });
      const first = new Job(() => ((ran = true), of(1)));
      const e = await rejection(new Scheduler([first, inner]).orchestrate());
      expect(e).to.be.instanceOf(CycleError);
      expect((e as Error).message).to.include('scheduler "inner"');
      expect(ran).to.equal(false);
    });

    it('reports cycles through checkCycles() and rainCheck() without throwing', () => {
      const a = new Job(of(1), { label: 'a' });
      const b = new Job(of(1), { label: 'b', requires: a });
      const scheduler = new Scheduler([a, b]);
      expect(scheduler.checkCycles()).to.equal(true);
      a.requires(b);
      expect(scheduler.checkCycles()).to.equal(false);
      expect(scheduler.rainCheck()).to.equal(false);
    });
  });

  describe('requirements outside the scheduler', () => {
    it('errors naming both jobs, and sanitize() drops the requirement', async () => {
      const outsider = new Job(of(1), { label: 'outsider' });
      const member = new Job(of(2), { label: 'member', requires: outsider });
      const scheduler = new Scheduler([member], { label: 'main' });
      const e = await rejection(scheduler.orchestrate());
      expect(e).to.be.instanceOf(ForeignRequirementError);
      expect((e as Error).message).to.equal(
        'scheduler "main": job "member" requires job "outsider", which is not in this scheduler; ' +
          'add "outsider" to it, or call sanitize() to drop the requirement',
      );
      expect(scheduler.checkCycles()).to.equal(true);
      expect(scheduler.sanitize()).to.equal(false);
      expect(scheduler.sanitize()).to.equal(true);
      expect(await scheduler.orchestrate()).to.equal(true);
    });
  });

  describe('bad options', () => {
    it('rejects a work that is not a function, with a hint for a Promise', () => {
      const e1 = thrown(() => new Job(42 as never, { label: 'answer' }));
      expect(e1).to.be.instanceOf(ConfigError);
      expect((e1 as Error).message).to.equal(
        'job "answer": work must be a function returning an Observable or a Promise, got number',
      );
      const e2 = thrown(() => new Job(Promise.resolve(1) as never));
      expect((e2 as Error).message).to.match(/work is a Promise.*new Job\(\(\) => f\(\.\.\.\)\)/);
      expect(isJobsError(e2, 'config') && e2.field).to.equal('work');
    });

    it('rejects a job without work at construction, and a subclass that forgot work() before it runs', async () => {
      const e = thrown(() => new Job({ label: 'empty' }));
      expect((e as Error).message).to.equal(
        'job "empty": work is missing: pass a function to new Job(work), or override work() in a subclass',
      );
      class Forgetful extends Job {}
      class Fine extends Job<number> {
        protected override work() {
          return of(7);
        }
      }
      const fine = new Fine({ label: 'fine' });
      expect(await new Scheduler([fine]).orchestrate()).to.equal(true);
      expect(fine.result()).to.equal(7);
      expect(() => new Forgetful({ label: 'forgetful' })).to.throw(ConfigError, /new Forgetful\(work\)/);
    });

    for (const [field, value] of [
      ['timeout', -1],
      ['timeout', Number.NaN],
      ['timeout', '10' as unknown as number],
    ] as const) {
      it(`rejects a job ${field} of ${String(value)} at construction and at run time`, async () => {
        const e = thrown(() => new Job(of(1), { label: 'j', [field]: value }));
        expect(e).to.be.instanceOf(ConfigError);
        expect((e as Error).message).to.match(
          new RegExp(`^job "j": ${field} must be a duration in milliseconds`),
        );
        const job = new Job(of(1), { label: 'j' });
        job.timeout = value;
        const e2 = await rejection(new Scheduler([job]).orchestrate());
        expect(isJobsError(e2, 'config') && [e2.subject, e2.field]).to.deep.equal(['job "j"', field]);
      });
    }

    it('rejects bad scheduler durations and windows below 1, at construction and at run time', async () => {
      for (const options of [
        { timeout: -5 },
        { shutdownTimeout: Number.NaN },
        { jobsWindow: 0 },
        { jobsWindow: 1.5 },
      ]) {
        const e = thrown(() => new Scheduler([], { label: 's', ...options }));
        expect(e, JSON.stringify(options)).to.be.instanceOf(ConfigError);
        expect((e as Error).message).to.match(/^scheduler "s": (timeout|shutdownTimeout|jobsWindow) must be/);
      }
      const scheduler = new Scheduler([new Job(of(1))], { label: 's' });
      scheduler.jobsWindow = 0;
      const e = await rejection(scheduler.orchestrate());
      expect((e as Error).message).to.equal(
        'scheduler "s": jobsWindow must be an integer of 1 or more (or undefined for no limit), got 0',
      );
    });

    it('rejects a bad timeout given to orchestrate() or run(), before anything runs', async () => {
      let ran = false;
      const scheduler = new Scheduler([new Job(() => ((ran = true), of(1)))], { label: 's' });
      for (const timeout of [-5, Number.NaN]) {
        const e = await rejection(scheduler.orchestrate({ timeout }));
        expect(isJobsError(e, 'config') && [e.subject, e.field]).to.deep.equal(['scheduler "s"', 'timeout']);
      }
      expect(ran).to.equal(false);
    });

    it('rejects an unknown runIf and a non-boolean critical', () => {
      expect(
        (thrown(() => new Job(of(1), { label: 'j', runIf: 'sometimes' as never })) as Error).message,
      ).to.equal(
        "job \"j\": runIf must be 'all-done', 'all-success', 'always' or 'one-failed', got \"sometimes\"",
      );
      expect(
        (thrown(() => new Job(of(1), { label: 'j', critical: 'yes' as never })) as Error).message,
      ).to.match(/critical must be true, false or undefined/);
    });

    it('refuses a scheduler that would contain itself', () => {
      const outer = new Scheduler([], { label: 'outer' });
      const inner = new Scheduler([outer], { label: 'inner' });
      expect(() => outer.add(outer)).to.throw(
        ConfigError,
        'scheduler "outer": jobs cannot hold scheduler "outer", which is itself',
      );
      expect(() => outer.add(inner)).to.throw(ConfigError, 'which contains it');
    });

    it('names the non-member given to a graph operation', () => {
      const stranger = new Job(of(1), { label: 'stranger' });
      const scheduler = new Scheduler([], { label: 'main' });
      const e = thrown(() => scheduler.bypassAndRemove(stranger));
      expect(e).to.be.instanceOf(NotAMemberError);
      expect((e as Error).message).to.equal(
        'scheduler "main": bypassAndRemove: job "stranger" is not a member of this scheduler',
      );
      expect(() => scheduler.remove(stranger)).to.throw(NotAMemberError);
    });
  });

  describe('errors raised by jobs', () => {
    it('wraps what the work raised in a JobFailedError on the event, keeping it as the cause', async () => {
      const raised = { reason: 'not an Error' };
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what this test is about
      const job = new Job(() => Promise.reject(raised), { label: 'odd' });
      const scheduler = new Scheduler([job]);
      const failures: unknown[] = [];
      await new Promise<void>((resolve, reject) => {
        scheduler.run().subscribe({
          error: reject,
          next: (e) => {
            if (e.type === 'failed') failures.push(e.error);
          },
          complete: resolve,
        });
      });
      expect(failures).to.have.length(1);
      const error = failures[0] as JobFailedError;
      expect(error).to.be.instanceOf(JobFailedError);
      expect(error.code).to.equal('job-failed');
      expect(error.cause).to.equal(raised);
      expect(error.message).to.equal('job "odd" failed: {"reason":"not an Error"}');
      expect(job.raisedException()).to.equal(raised);
      expect(isJobsError(error)).to.equal(true);
      expect(isJobsError(new Error('x'))).to.equal(false);
      expect(isJobsError(error, 'cycle')).to.equal(false);
    });
  });
});
