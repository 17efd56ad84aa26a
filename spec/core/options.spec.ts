import { expect } from 'chai';
import { lastValueFrom, of, toArray } from 'rxjs';

import type { ConfigError } from '../../lib/errors/config-error.js';
import { isJobsError } from '../../lib/errors/jobs-error.js';
import type { JobOptions, Work } from '../../lib/core/job.js';
import { Job } from '../../lib/core/job.js';
import { Scheduler } from '../../lib/scheduler.js';
import { Sequence } from '../../lib/core/sequence.js';
import { rejection, thrown } from '../helpers/errors.js';

const configError = (f: () => unknown): ConfigError => {
  const e = thrown(f);
  expect(isJobsError(e, 'config'), String(e)).to.equal(true);
  return e as ConfigError;
};

/** Options as a plain JavaScript caller passes them: unchecked by the types. */
const untyped = (options: Record<string, unknown>): never => options as unknown as never;

const work = () => of(1);

describe('option checks of the core classes (plain JavaScript callers)', () => {
  describe('Job', () => {
    it('refuses an unknown key, naming the class, the key and the nearest known one', () => {
      const e = configError(() => new Job(work, untyped({ label: 'x', requries: [] })));
      expect([e.subject, e.field]).to.deep.equal(['job "x"', 'requries']);
      expect(e.message).to.equal(
        'job "x": requries is not an option of Job, did you mean requires? ' +
          '(accepted: label, critical, forever, requires, timeout, runIf, shutdown, scheduler, retries)',
      );
    });

    it("says asynciojobs' required is requires here", () => {
      const a = new Job(work, { label: 'a' });
      const e = configError(() => new Job(work, untyped({ required: a })));
      expect(e.message).to.match(
        /^job \(a new Job\): required is not an option of Job: write requires \(asynciojobs' required= is requires here\)/,
      );
    });

    it('gives the camelCase spelling of a snake_case key, and says where a misplaced key belongs', () => {
      expect(configError(() => new Job(work, untyped({ run_if: 'all-done' }))).message).to.include(
        'run_if is not an option of Job: options are camelCase here, write runIf',
      );
      expect(configError(() => new Job(work, untyped({ jobs_window: 2 }))).message).to.include(
        'jobs_window is not an option of Job: jobsWindow is an option of Scheduler',
      );
      expect(configError(() => new Job(work, untyped({ verbose: true }))).message).to.include(
        'verbose is not an option of Job: output is shown by renderers',
      );
    });

    it('refuses options that are not an object, and known keys of the wrong type', () => {
      expect(configError(() => new Job(work, untyped('fetch' as never))).message).to.equal(
        'job (a new Job): options must be an object such as { label: \'x\', requires: other }, got string "fetch"',
      );
      expect(configError(() => new Job(work, untyped({ label: 5 }))).message).to.equal(
        'job (a new Job): label must be a string, got number 5',
      );
      expect(configError(() => new Job(work, untyped({ label: 'j', critical: 'yes' }))).message).to.equal(
        'job "j": critical must be true, false or undefined, got "yes"',
      );
      expect(configError(() => new Job(work, untyped({ label: 'j', timeout: '5s' }))).message).to.match(
        /^job "j": timeout must be a duration in milliseconds.*got "5s"$/,
      );
      expect(configError(() => new Job(work, untyped({ label: 'j', shutdown: 'close' }))).message).to.equal(
        'job "j": shutdown must be a function (the shutdown hook), got string "close"',
      );
      expect(configError(() => new Job(work, untyped({ label: 'j', scheduler: [] }))).field).to.equal(
        'scheduler',
      );
    });

    it('accepts the keys a subclass declares in extraOptions, its own and its ancestors', () => {
      class Tried extends Job {
        protected static override readonly extraOptions: readonly string[] = ['tries'];
        readonly tries: number;
        constructor(w: Work<unknown>, options: JobOptions & { readonly tries?: number } = {}) {
          super(w, options);
          this.tries = options.tries ?? 3;
        }
      }
      class Logged extends Tried {
        protected static override readonly extraOptions: readonly string[] = ['logTo'];
      }
      expect(new Tried(work, { label: 'r', tries: 5 }).tries).to.equal(5);
      expect(new Logged(work, untyped({ tries: 1, logTo: 'x' })).tries).to.equal(1);
      const e = configError(() => new Logged(work, untyped({ trie: 1 })));
      expect(e.message).to.match(
        /^job \(a new Logged\): trie is not an option of Logged, did you mean tries\?/,
      );
      expect(e.message).to.include(
        'accepted: label, critical, forever, requires, timeout, runIf, shutdown, scheduler, retries, logTo, tries',
      );
      // a subclass that declares nothing accepts a job's keys only
      class Plain extends Job {}
      expect(configError(() => new Plain(work, untyped({ tries: 1 }))).message).to.include(
        'tries is not an option of Plain',
      );
    });
  });

  describe('Scheduler', () => {
    it('refuses unknown keys, with hints, and a shutdown hook it would ignore', () => {
      const e = configError(() => new Scheduler([], untyped({ label: 's', jobs_window: 2 })));
      expect(e.message).to.match(
        /^scheduler "s": jobs_window is not an option of Scheduler: options are camelCase here, write jobsWindow .*\(accepted: .*jobsWindow, shutdownTimeout, maxFailures, fold, cleanupTimeout\)$/,
      );
      expect(configError(() => new Scheduler([], untyped({ shutdown_timeout: 1 }))).message).to.include(
        'write shutdownTimeout',
      );
      expect(
        configError(() => new Scheduler([], untyped({ label: 's', shutdown: () => undefined }))).message,
      ).to.equal(
        'scheduler "s": shutdown is not an option of Scheduler: a scheduler shuts its own jobs down; give the hook to a job of it',
      );
    });

    it('checks the value types of its own options', () => {
      expect(configError(() => new Scheduler([], { label: 's', jobsWindow: 0 })).message).to.equal(
        'scheduler "s": jobsWindow must be an integer of 1 or more (or undefined for no limit), got 0',
      );
      expect(configError(() => new Scheduler([], untyped({ label: 's', timeout: '5s' }))).field).to.equal(
        'timeout',
      );
      expect(configError(() => new Scheduler([], untyped({ label: 's', critical: 'yes' }))).field).to.equal(
        'critical',
      );
    });

    it('refuses jobs passed as separate arguments (asynciojobs style), naming what was passed', () => {
      const a = new Job(work, { label: 'a' });
      const b = new Job(work, { label: 'b' });
      expect(configError(() => new Scheduler(a as never, b as never)).message).to.equal(
        'scheduler (a new Scheduler): jobs must be one array: write new Scheduler([a, b, ...], options) ' +
          'rather than new Scheduler(job "a", job "b")',
      );
      expect(configError(() => new Scheduler([a], [b] as never)).field).to.equal('jobs');
      expect(configError(() => new Scheduler(a as never)).message).to.equal(
        'scheduler (a new Scheduler): jobs must be an array: write new Scheduler([job]) rather than new Scheduler(job "a")',
      );
    });

    it('refuses a scheduler as its jobs (it is iterable: its jobs would be adopted silently)', () => {
      const inner = new Scheduler([new Job(work, { label: 'a' })], { label: 'inner' });
      expect(configError(() => new Scheduler(inner as never)).message).to.equal(
        'scheduler (a new Scheduler): jobs must be an array, got new Scheduler(scheduler "inner"): ' +
          'to nest that scheduler write new Scheduler([inner]); to take its jobs, new Scheduler([...inner])',
      );
      expect(new Scheduler([inner]).size).to.equal(1);
      expect(new Scheduler([...inner]).size).to.equal(1);
    });

    it('takes a lone options object as options, and refuses options that are not an object', () => {
      const s = new Scheduler({ label: 'later', jobsWindow: 2 });
      expect([s.label, s.jobsWindow, s.size]).to.deep.equal(['later', 2, 0]);
      expect(configError(() => new Scheduler([], 5 as never)).message).to.equal(
        'scheduler (a new Scheduler): options must be an object such as { jobsWindow: 4 }, ' +
          'got number 5 in new Scheduler(an empty list, number 5)',
      );
      expect(configError(() => new Scheduler(['x'] as never, { label: 's' })).message).to.equal(
        'scheduler "s": jobs must be a job, a Sequence or an array of them, got string "x"',
      );
    });

    it('refuses unknown keys of run(), orchestrate(), list() and debrief()', async () => {
      const s = new Scheduler([new Job(work)], { label: 's' });
      const events$ = s.run(untyped({ timout: 5 })); // cold: it errors when subscribed, rather than throws
      expect(isJobsError(await rejection(lastValueFrom(events$.pipe(toArray()))), 'config')).to.equal(true);
      let rejected: unknown;
      await s.orchestrate(untyped({ timout: 5 })).catch((x: unknown) => (rejected = x));
      expect((rejected as ConfigError).message).to.match(
        /^scheduler "s": timout is not an option of orchestrate\(\), did you mean timeout\?/,
      );
      expect(((await rejection(lastValueFrom(events$))) as ConfigError).message).to.match(
        /^scheduler "s": timout is not an option of run\(\), did you mean timeout\?/,
      );
      // orchestrate() takes verbose and signal; run() does not print
      expect(
        ((await rejection(lastValueFrom(s.run(untyped({ verbose: true }))))) as ConfigError).field,
      ).to.equal('verbose');
      expect(
        await s.orchestrate({ verbose: (events$) => events$, signal: new AbortController().signal }),
      ).to.equal(true);
      await lastValueFrom(s.run(untyped({ jobs_window: 1 }))).catch((x: unknown) => (rejected = x));
      expect((rejected as ConfigError).field).to.equal('jobs_window');
      expect(configError(() => s.list(untyped({ detail: true }))).message).to.match(
        /^scheduler "s": detail is not an option of list\(\) and debrief\(\), did you mean details\?/,
      );
      expect(configError(() => s.debrief(untyped({ ascii: 'yes' }))).message).to.equal(
        'scheduler "s": ascii must be true or false, got string "yes"',
      );
      expect(await s.orchestrate({ timeout: 1000 })).to.equal(true);
    });
  });

  describe('Sequence', () => {
    it('refuses unknown keys in its options (the last argument, a plain object)', () => {
      const a = new Job(work, { label: 'a' });
      const b = new Job(work, { label: 'b' });
      expect(configError(() => new Sequence(b, untyped({ required: a }))).message).to.equal(
        "Sequence: required is not an option of Sequence: write requires (asynciojobs' required= is requires here) " +
          '(accepted: requires, scheduler)',
      );
      expect(configError(() => new Sequence(b, untyped({ label: 'x' }))).message).to.equal(
        'Sequence: label is not an option of Sequence (accepted: requires, scheduler)',
      );
      expect(configError(() => new Sequence(b, untyped({ scheduler: {} }))).field).to.equal('scheduler');
    });

    it('names itself and what it was given when an item is not a job', () => {
      expect(configError(() => new Sequence(new Job(work), 'b' as never)).message).to.equal(
        'Sequence: jobs must be a job, a Sequence or an array of them, got string "b"',
      );
    });
  });
});
