// Port of asynciojobs' test_sequence1..6, test_requires_job, test_requires_sequence, test_creation_scheduler
// and test_seq (tests/test_basics.py), plus the requirement helpers of Job.
import { expect } from 'chai';
import { of } from 'rxjs';

import { Job, Scheduler, Sequence } from '../../lib/index.js';
import type { JobOptions } from '../../lib/index.js';

/** Labels of the jobs that ran, in the order they started. */
let started: string[];

/** A job whose result is its label; it records when it starts. */
const job = (label: string, options: JobOptions = {}): Job<string> =>
  new Job(
    () => {
      started.push(label);
      return of(label);
    },
    { label, ...options },
  );

/** A job whose work is a Promise, resolved on a later tick. */
const asyncJob = (label: string, options: JobOptions = {}): Job<string> =>
  new Job(
    async () => {
      started.push(label);
      await Promise.resolve();
      return label;
    },
    { label, ...options },
  );

const counts = (...jobs: Job[]): number[] => jobs.map((j) => j.requirements.size);
const labels = (jobs: Iterable<Job>): string[] => [...jobs].map((j) => j.label).sort();

/** Runs `scheduler` to true; every leaf job is done with its label as result. */
async function runsFine(scheduler: Scheduler): Promise<void> {
  expect(await scheduler.orchestrate(), scheduler.why()).to.equal(true);
  for (const j of scheduler.iterateJobs()) {
    expect(j.status, j.label).to.equal('done');
    expect(j.result(), j.label).to.equal(j.label);
  }
}

describe('Sequence', () => {
  beforeEach(() => {
    started = [];
  });

  describe('chaining', () => {
    it('makes each job require the previous one (test_sequence1)', async () => {
      const [a1, a2, a3] = [job('a1'), job('a2'), job('a3')];
      const sequence = new Sequence(a1, a2, a3);
      expect(counts(a1, a2, a3)).to.deep.equal([0, 1, 1]);
      expect([...a2.requirements]).to.deep.equal([a1]);
      expect([...a3.requirements]).to.deep.equal([a2]);
      expect(sequence.jobs).to.deep.equal([a1, a2, a3]);
      expect([...sequence]).to.deep.equal([a1, a2, a3]);
      expect(sequence.length).to.equal(3);
      expect(sequence.first).to.equal(a1);
      expect(sequence.last).to.equal(a3);
      const scheduler = new Scheduler([sequence]);
      expect(scheduler.size).to.equal(3);
      expect([...scheduler].every((j) => j instanceof Job)).to.equal(true);
      await runsFine(scheduler);
      expect(started).to.deep.equal(['a1', 'a2', 'a3']);
    });

    it('applies its requires option to its first job only (test_sequence2)', async () => {
      const a1 = job('a1');
      const [a2, a3] = [job('a2'), job('a3')];
      const sequence = new Sequence(a2, a3, { requires: a1 });
      expect(counts(a1, a2, a3)).to.deep.equal([0, 1, 1]);
      expect([...a2.requirements]).to.deep.equal([a1]);
      const scheduler = new Scheduler([a1, sequence]);
      await runsFine(scheduler);
      expect(started).to.deep.equal(['a1', 'a2', 'a3']);
    });

    it('means its last job when a job requires it (test_sequence3)', async () => {
      const [a1, a2] = [job('a1'), job('a2')];
      const sequence = new Sequence(a1, a2);
      const a3 = job('a3', { requires: sequence });
      expect(counts(a1, a2, a3)).to.deep.equal([0, 1, 1]);
      expect([...a3.requirements]).to.deep.equal([a2]);
      const scheduler = new Scheduler();
      scheduler.add(sequence, a3);
      expect(scheduler.size).to.equal(3);
      await runsFine(scheduler);
      expect(started).to.deep.equal(['a1', 'a2', 'a3']);
    });

    it('also means its last job in x.requires(sequence)', async () => {
      const [a1, a2] = [job('a1'), job('a2')];
      const sequence = new Sequence(a1, a2);
      const x = job('x');
      expect(x.requires(sequence)).to.equal(x);
      expect([...x.requirements]).to.deep.equal([a2]);
      await runsFine(new Scheduler([sequence, x]));
      expect(started).to.deep.equal(['a1', 'a2', 'x']);
    });

    it('flattens Sequences nested in Sequences (test_sequence4)', async () => {
      const [a1, a2, a3, a4] = [job('a1'), job('a2'), job('a3'), job('a4')];
      const sequence = new Sequence(new Sequence(a1, a2), new Sequence(a3, a4));
      expect(counts(a1, a2, a3, a4)).to.deep.equal([0, 1, 1, 1]);
      expect([...a3.requirements]).to.deep.equal([a2]);
      expect(sequence.jobs).to.deep.equal([a1, a2, a3, a4]);
      await runsFine(new Scheduler([sequence]));
      expect(started).to.deep.equal(['a1', 'a2', 'a3', 'a4']);
    });

    it('flattens arrays of jobs and Sequences, and skips null and undefined', async () => {
      const [a1, a2, a3, a4] = [job('a1'), job('a2'), job('a3'), job('a4')];
      const sequence = new Sequence(null, [a1, [new Sequence(a2, a3)]], undefined, a4);
      expect(sequence.jobs).to.deep.equal([a1, a2, a3, a4]);
      expect(counts(a1, a2, a3, a4)).to.deep.equal([0, 1, 1, 1]);
      await runsFine(new Scheduler([sequence]));
      expect(started).to.deep.equal(['a1', 'a2', 'a3', 'a4']);
    });

    it('chains Sequences that require one another (test_sequence5)', async () => {
      const a = [1, 2, 3, 4, 5, 6].map((i) => job(`a${String(i)}`));
      const [a1, a2, a3, a4, a5, a6] = a as [Job, Job, Job, Job, Job, Job];
      const s1 = new Sequence(a1, a2);
      const s2 = new Sequence(a3, a4, { requires: s1 });
      const s3 = new Sequence(a5, a6, { requires: s2 });
      expect(counts(...a)).to.deep.equal([0, 1, 1, 1, 1, 1]);
      expect([...a3.requirements]).to.deep.equal([a2]);
      expect([...a5.requirements]).to.deep.equal([a4]);
      await runsFine(new Scheduler([s1, s2, s3]));
      expect(started).to.deep.equal(['a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
    });

    it('is added whole by scheduler.add() (test_sequence6)', async () => {
      const scheduler = new Scheduler();
      const [a1, a2, a3] = [job('a1'), asyncJob('a2'), job('a3')];
      expect(scheduler.add(new Sequence(a1, a2, a3))).to.equal(scheduler);
      expect([...scheduler]).to.deep.equal([a1, a2, a3]);
      await runsFine(scheduler);
      expect(started).to.deep.equal(['a1', 'a2', 'a3']);
    });

    it('accepts a nested scheduler as one of its jobs', async () => {
      const [i1, i2] = [job('i1'), asyncJob('i2')];
      const inner = new Scheduler([new Sequence(i1, i2)], { label: 'inner' });
      const [before, after] = [job('before'), job('after')];
      const scheduler = new Scheduler([new Sequence(before, inner, after)]);
      expect([...inner.requirements]).to.deep.equal([before]);
      expect([...after.requirements]).to.deep.equal([inner]);
      expect(counts(i1, i2)).to.deep.equal([0, 1]);
      await runsFine(scheduler);
      expect(inner.result()).to.equal(true);
      expect(started).to.deep.equal(['before', 'i1', 'i2', 'after']);
    });
  });

  describe('requires', () => {
    it('counts job requirements given as nullish values, arrays, Sets and nested arrays (test_requires_job)', () => {
      const a = [1, 2, 3, 4, 5].map((i) => job(`a${String(i)}`));
      const [a1, a2, a3, a4, a5] = a as [Job, Job, Job, Job, Job];
      const cases: [JobOptions['requires'], number][] = [
        [null, 0],
        [undefined, 0],
        [[null], 0],
        [[undefined, null], 0],
        [[], 0],
        [new Set<Job>(), 0],
        [a1, 1],
        [[a1], 1],
        [new Set([a1]), 1],
        [[a1, a2], 2],
        [new Set([a1, a2]), 2],
        [[a1, [a2], new Set([a3, a4]), [[[[[[a5]]]]]]], 5],
      ];
      for (const [requires, expected] of cases) {
        expect(job('by-option', { requires }).requirements.size).to.equal(expected);
        expect(job('by-method').requires(requires).requirements.size).to.equal(expected);
      }
      expect(job('spread').requires(a1, null, [a2, undefined], new Set([a3])).requirements.size).to.equal(3);
    });

    it('applies sequence.requires() to the first job and returns the sequence (test_requires_sequence)', async () => {
      const [a1, a2] = [job('a1'), job('a2')];
      const [b1, b2, b3] = [job('b1'), job('b2'), job('b3')];
      const byOption = new Sequence(b1, b2, b3, { requires: [a1, a2] });
      expect(counts(b1, b2, b3)).to.deep.equal([2, 1, 1]);
      expect(labels(b1.requirements)).to.deep.equal(['a1', 'a2']);

      const [c1, c2, c3] = [job('c1'), job('c2'), job('c3')];
      const byMethod = new Sequence(c1, c2, c3);
      expect(byMethod.requires([a1, a2])).to.equal(byMethod);
      expect(counts(c1, c2, c3)).to.deep.equal([2, 1, 1]);
      expect(labels(c1.requirements)).to.deep.equal(['a1', 'a2']);

      await runsFine(new Scheduler([a1, a2, byOption, byMethod]));
      expect(started.indexOf('b1')).to.be.greaterThan(Math.max(started.indexOf('a1'), started.indexOf('a2')));
      expect(started.indexOf('c1')).to.be.greaterThan(Math.max(started.indexOf('a1'), started.indexOf('a2')));
    });

    it('makes the first job of a sequence require x, and x.requires(sequence) require its last', async () => {
      const [s1, s2, s3] = [job('s1'), job('s2'), job('s3')];
      const sequence = new Sequence(s1, s2, s3);
      const [pre, post] = [job('pre'), job('post')];
      sequence.requires(pre);
      post.requires(sequence);
      expect([...s1.requirements]).to.deep.equal([pre]);
      expect(labels(s3.requirements)).to.deep.equal(['s2']);
      expect([...post.requirements]).to.deep.equal([s3]);
      await runsFine(new Scheduler([post, sequence, pre]));
      expect(started).to.deep.equal(['pre', 's1', 's2', 's3', 'post']);
    });

    it('ignores duplicate requirements, and duplicate members in a scheduler', async () => {
      const [a1, a2] = [job('a1'), job('a2')];
      const sequence = new Sequence(a1, a2);
      const b = job('b', { requires: [a2, a2] });
      b.requires(a2, [a2, [a2]], new Set([a2]), sequence);
      expect([...b.requirements]).to.deep.equal([a2]);
      const scheduler = new Scheduler([sequence, a1, b]);
      scheduler.add(a2, sequence, [b, [a1]]);
      expect(scheduler.size).to.equal(3);
      await runsFine(scheduler);
      expect(started).to.deep.equal(['a1', 'a2', 'b']);
    });

    it('removes requirements given as jobs, Sequences (their last job), arrays and Sets', async () => {
      const [a1, a2, a3, a4] = [job('a1'), job('a2'), job('a3'), job('a4')];
      const sequence = new Sequence(job('s1'), job('s2'));
      const b = job('b', { requires: [a1, a2, a3, a4, sequence] });
      expect(b.requirements.size).to.equal(5);
      expect(b.removeRequirements(sequence)).to.equal(b);
      expect(labels(b.requirements)).to.deep.equal(['a1', 'a2', 'a3', 'a4']);
      b.removeRequirements([a1, [null, new Set([a2])]], undefined);
      expect(labels(b.requirements)).to.deep.equal(['a3', 'a4']);
      b.removeRequirements(job('stranger'), a3, a3);
      expect(labels(b.requirements)).to.deep.equal(['a4']);
      await runsFine(new Scheduler([a4, b]));
      expect(started).to.deep.equal(['a4', 'b']);
    });
  });

  describe('append and the scheduler option', () => {
    it('adds its jobs to its scheduler, now and on append (test_creation_scheduler)', async () => {
      const scheduler = new Scheduler();
      const [j1, j2] = [asyncJob('j1'), asyncJob('j2')];
      const sequence = new Sequence(j1, j2, { scheduler });
      expect([...scheduler]).to.deep.equal([j1, j2]);
      const j3 = asyncJob('j3', { requires: sequence, scheduler });
      expect(scheduler.size).to.equal(3);
      expect([...j3.requirements]).to.deep.equal([j2]);
      const j4 = asyncJob('j4');
      expect(sequence.append(j4)).to.equal(sequence);
      expect(scheduler.size).to.equal(4);
      expect(scheduler.has(j4)).to.equal(true);
      expect([...j4.requirements]).to.deep.equal([j2]);
      expect(sequence.last).to.equal(j4);
      expect(scheduler.checkCycles()).to.equal(true);
      await runsFine(scheduler);
      expect(started.slice(0, 2)).to.deep.equal(['j1', 'j2']);
      expect(started.slice(2)).to.have.members(['j3', 'j4']);
    });

    it('runs a Sequence built with the scheduler option (test_seq)', async () => {
      const scheduler = new Scheduler();
      new Sequence(job('j1'), asyncJob('j2'), { scheduler });
      expect(scheduler.size).to.equal(2);
      await runsFine(scheduler);
      expect(started).to.deep.equal(['j1', 'j2']);
    });

    it('chains append() calls, flattening Sequences and arrays; append() with nothing is a no-op', async () => {
      const scheduler = new Scheduler();
      const added: number[] = [];
      const spy = {
        add: (...jobs: Job[]): void => {
          added.push(jobs.length);
          scheduler.add(jobs);
        },
      };
      const [a1, a2, a3, a4, a5] = [job('a1'), job('a2'), job('a3'), job('a4'), job('a5')];
      const sequence = new Sequence(a1, { scheduler: spy });
      sequence
        .append(a2)
        .append(new Sequence(a3, a4), null)
        .append()
        .append([undefined, [a5]]);
      expect(sequence.jobs).to.deep.equal([a1, a2, a3, a4, a5]);
      expect(counts(a1, a2, a3, a4, a5)).to.deep.equal([0, 1, 1, 1, 1]);
      expect([...a3.requirements]).to.deep.equal([a2]);
      expect(added).to.deep.equal([1, 1, 2, 1]);
      expect(scheduler.size).to.equal(5);
      await runsFine(scheduler);
      expect(started).to.deep.equal(['a1', 'a2', 'a3', 'a4', 'a5']);
    });

    it('does not add to a scheduler that received the Sequence without the option', async () => {
      const [a1, a2] = [job('a1'), job('a2')];
      const sequence = new Sequence(a1);
      const scheduler = new Scheduler([sequence]);
      sequence.append(a2);
      expect(scheduler.size).to.equal(1);
      expect([...a2.requirements]).to.deep.equal([a1]);
      scheduler.add(a2);
      await runsFine(scheduler);
    });
  });

  describe('empty Sequence', () => {
    it('is harmless as a member, a requirement, and with requires()', async () => {
      const empty = new Sequence();
      expect(empty.length).to.equal(0);
      expect(empty.first).to.equal(undefined);
      expect(empty.last).to.equal(undefined);
      expect([...empty]).to.deep.equal([]);
      const a = job('a');
      expect(empty.requires(a)).to.equal(empty);
      expect(a.requirements.size).to.equal(0);
      const b = job('b', { requires: empty });
      expect(b.requires(empty, [empty]).requirements.size).to.equal(0);
      expect(b.removeRequirements(empty).requirements.size).to.equal(0);
      expect(new Sequence({ requires: a }).length).to.equal(0);
      expect(new Sequence(empty, a, empty).jobs).to.deep.equal([a]);

      const scheduler = new Scheduler([empty, a, b, new Sequence()]);
      scheduler.add(empty);
      expect(scheduler.size).to.equal(2);
      await runsFine(scheduler);
      await runsFine(new Scheduler([new Sequence()]));
    });

    it('starts a chain when appended to', async () => {
      const scheduler = new Scheduler();
      const sequence = new Sequence({ scheduler });
      expect(scheduler.size).to.equal(0);
      const [a1, a2] = [job('a1'), job('a2')];
      sequence.append(a1, a2);
      expect(counts(a1, a2)).to.deep.equal([0, 1]);
      expect([...scheduler]).to.deep.equal([a1, a2]);
      await runsFine(scheduler);
    });
  });
});
