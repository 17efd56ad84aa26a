// Port of asynciojobs' tests/test_bypass.py, tests/test_cycles.py, test_sanitize (tests/test_nesting.py) and
// test_iterate (tests/test_basics.py), plus the other graph queries of Scheduler.
import { expect } from 'chai';
import { NEVER } from 'rxjs';

import {
  CycleError,
  ForeignRequirementError,
  Job,
  NotAMemberError,
  Scheduler,
  Sequence,
} from '../../lib/index.js';
import { rejection } from '../helpers/errors.js';
import { labelJob as job } from '../helpers/jobs.js';

/** Labels, sorted: compares sets of jobs whatever their order. */
const labels = (jobs: Iterable<Job>): string[] => [...jobs].map((j) => j.label).sort();

/** Runs `scheduler` to true; every leaf job is done with its label as result. */
async function runsFine(scheduler: Scheduler): Promise<void> {
  expect(await scheduler.orchestrate(), scheduler.why()).to.equal(true);
  for (const j of scheduler.iterateJobs()) {
    if (j.forever) continue;
    expect(j.status, j.label).to.equal('done');
    expect(j.result(), j.label).to.equal(j.label);
  }
}

type Label = `j${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10}` | 'j_odd';
/** The jobs of a test graph by label (only those the builder made exist). */
type Jobs = Record<Label, Job>;

/** j1 -> j2 -> j3 -> j4 -> j5, as a Sequence. */
function chain(): { scheduler: Scheduler; j: Jobs } {
  const j = {} as Jobs;
  for (const label of ['j1', 'j2', 'j3', 'j4', 'j5'] as const) j[label] = job(label);
  return { scheduler: new Scheduler([new Sequence(...Object.values(j))], { label: 'chain' }), j };
}

/** Diamonds in a row: j1 -> {j2, j3} -> j4 -> {j5, j6} -> j7 (-> {j8, j9} -> j10 when `three`). */
function diamonds(three: boolean): { scheduler: Scheduler; j: Jobs } {
  const j = {} as Jobs;
  const add = (label: Label, ...requires: Label[]): void => {
    j[label] = job(label, { requires: requires.map((r) => j[r]) });
  };
  add('j1');
  add('j2', 'j1');
  add('j3', 'j1');
  add('j4', 'j2', 'j3');
  add('j5', 'j4');
  add('j6', 'j4');
  add('j7', 'j5', 'j6');
  if (three) {
    add('j8', 'j7');
    add('j9', 'j7');
    add('j10', 'j8', 'j9');
  }
  return { scheduler: new Scheduler(Object.values(j), { label: 'diamonds' }), j };
}

/** Three diamonds plus j_odd, with j2 -> j_odd -> j7. */
function oddDiamonds(): { scheduler: Scheduler; j: Jobs } {
  const { scheduler, j } = diamonds(true);
  j.j_odd = job('j_odd', { requires: j.j2 });
  j.j7.requires(j.j_odd);
  scheduler.add(j.j_odd);
  return { scheduler, j };
}

/** A Scheduler holding a diamond top -> {left, right} -> bottom. */
const diamondScheduler = (name: string): Scheduler => {
  const top = job(`${name}.top`);
  const left = job(`${name}.left`, { requires: top });
  const right = job(`${name}.right`, { requires: top });
  return new Scheduler([top, left, right, job(`${name}.bottom`, { requires: [left, right] })], {
    label: name,
  });
};

describe('Scheduler graph', () => {
  describe('entryJobs() and exitJobs()', () => {
    it('finds the members without requirement, and those no member requires', async () => {
      const a = job('a');
      const b = job('b', { requires: a });
      const c = job('c');
      const d = job('d', { requires: [b, c] });
      const e = job('e', { requires: a });
      const scheduler = new Scheduler([a, b, c, d, e]);
      expect(labels(scheduler.entryJobs())).to.deep.equal(['a', 'c']);
      expect(labels(scheduler.exitJobs())).to.deep.equal(['d', 'e']);
      await runsFine(scheduler);
    });

    it('leaves forever jobs out of exitJobs() unless discardForever is false', async () => {
      const a = job('a');
      const b = job('b', { requires: a });
      const monitor = new Job(() => NEVER, { label: 'monitor', forever: true });
      const tick = new Job(() => NEVER, { label: 'tick', forever: true, requires: a });
      const scheduler = new Scheduler([monitor, tick, a, b]);
      expect(labels(scheduler.exitJobs())).to.deep.equal(['b']);
      expect(labels(scheduler.exitJobs({ discardForever: true }))).to.deep.equal(['b']);
      expect(labels(scheduler.exitJobs({ discardForever: false }))).to.deep.equal(['b', 'monitor', 'tick']);
      expect(labels(scheduler.entryJobs())).to.deep.equal(['a', 'monitor']);
      await runsFine(scheduler);
      expect(monitor.status).to.equal('cancelled');
    });

    it('ignores requirements on jobs that are not members', () => {
      const outsider = job('outsider');
      const a = job('a', { requires: outsider });
      const b = job('b', { requires: a });
      const scheduler = new Scheduler([a, b]);
      expect(labels(scheduler.entryJobs())).to.deep.equal(['a']);
      expect(labels(scheduler.exitJobs())).to.deep.equal(['b']);
      expect(labels(scheduler.predecessors(a))).to.deep.equal([]);
      expect(labels(scheduler.predecessorsUpstream(b))).to.deep.equal(['a']);
    });

    it('gives none for an empty scheduler', async () => {
      const scheduler = new Scheduler();
      expect(scheduler.entryJobs()).to.deep.equal([]);
      expect(scheduler.exitJobs()).to.deep.equal([]);
      expect(scheduler.topologicalOrder()).to.deep.equal([]);
      await runsFine(scheduler);
    });
  });

  describe('predecessors() and successors()', () => {
    it('gives the direct neighbours of one or several jobs', () => {
      const { scheduler, j } = diamonds(false);
      const { j1, j2, j3, j4, j5, j7 } = j;
      expect(labels(scheduler.predecessors(j4))).to.deep.equal(['j2', 'j3']);
      expect(labels(scheduler.successors(j1))).to.deep.equal(['j2', 'j3']);
      expect(labels(scheduler.predecessors(j2, j3))).to.deep.equal(['j1']);
      expect(labels(scheduler.successors(j2, j3))).to.deep.equal(['j4']);
      expect(labels(scheduler.predecessors(j4, j7))).to.deep.equal(['j2', 'j3', 'j5', 'j6']);
      expect(labels(scheduler.successors(j1, j4, j5))).to.deep.equal(['j2', 'j3', 'j5', 'j6', 'j7']);
      expect(labels(scheduler.predecessors(j1))).to.deep.equal([]);
      expect(labels(scheduler.successors(j7))).to.deep.equal([]);
      expect(labels(scheduler.predecessors())).to.deep.equal([]);
    });

    it('throws NotAMemberError for a job that is not a member', () => {
      const { scheduler, j } = chain();
      const stranger = job('stranger');
      for (const query of [
        () => scheduler.predecessors(j.j1, stranger),
        () => scheduler.successors(stranger),
        () => scheduler.predecessorsUpstream(stranger),
        () => scheduler.successorsDownstream(stranger),
        () => scheduler.bypassAndRemove(stranger),
        () => scheduler.remove(stranger),
      ])
        expect(query).to.throw(NotAMemberError);
      expect(scheduler.size).to.equal(5);
    });
  });

  describe('predecessorsUpstream() and successorsDownstream()', () => {
    it('gives the transitive closures along a chain (test_bypass1)', () => {
      const { scheduler, j } = chain();
      const { j1, j3, j5 } = j;
      expect(labels(scheduler.successorsDownstream(j1))).to.deep.equal(['j2', 'j3', 'j4', 'j5']);
      expect(labels(scheduler.predecessorsUpstream(j5))).to.deep.equal(['j1', 'j2', 'j3', 'j4']);
      expect(labels(scheduler.successorsDownstream(j3))).to.deep.equal(['j4', 'j5']);
      expect(labels(scheduler.successorsDownstream(j5))).to.deep.equal([]);
      expect(labels(scheduler.predecessorsUpstream(j1))).to.deep.equal([]);
    });

    it('gives the transitive closures of several starts, excluding the starts', () => {
      const { scheduler, j } = diamonds(false);
      const { j2, j3, j5, j6 } = j;
      expect(labels(scheduler.successorsDownstream(j2, j3))).to.deep.equal(['j4', 'j5', 'j6', 'j7']);
      expect(labels(scheduler.predecessorsUpstream(j5, j6))).to.deep.equal(['j1', 'j2', 'j3', 'j4']);
      expect(labels(scheduler.successorsDownstream(j2, j5))).to.deep.equal(['j4', 'j5', 'j6', 'j7']);
    });

    it('includes a start reached again through a cycle', () => {
      const a = job('a');
      const b = job('b', { requires: a });
      const c = job('c', { requires: b });
      a.requires(b);
      const scheduler = new Scheduler([a, b, c]);
      expect(labels(scheduler.successorsDownstream(a))).to.deep.equal(['a', 'b', 'c']);
      expect(labels(scheduler.predecessorsUpstream(a))).to.deep.equal(['a', 'b']);
      expect(labels(scheduler.predecessorsUpstream(c))).to.deep.equal(['a', 'b']);
    });
  });

  describe('topologicalOrder()', () => {
    it('puts each job after its requirements, ready jobs in insertion order', () => {
      const a = job('a');
      const b = job('b');
      const c = job('c', { requires: a });
      const d = job('d');
      expect(new Scheduler([a, b, c, d]).topologicalOrder().map((x) => x.label)).to.deep.equal([
        'a',
        'b',
        'd',
        'c',
      ]);
      const e = job('e');
      const f = job('f');
      const g = job('g', { requires: e });
      const h = job('h', { requires: [g, f] });
      expect(new Scheduler([h, g, f, e]).topologicalOrder().map((x) => x.label)).to.deep.equal([
        'f',
        'e',
        'g',
        'h',
      ]);
    });

    it('orders diamonds and a nested scheduler as one member', () => {
      const { scheduler } = diamonds(false);
      expect(scheduler.topologicalOrder().map((x) => x.label)).to.deep.equal([
        'j1',
        'j2',
        'j3',
        'j4',
        'j5',
        'j6',
        'j7',
      ]);
      const inner = diamondScheduler('inner');
      const post = job('post', { requires: inner });
      const pre = job('pre');
      inner.requires(pre);
      expect(new Scheduler([post, inner, pre]).topologicalOrder().map((x) => x.label)).to.deep.equal([
        'pre',
        'inner',
        'post',
      ]);
    });

    it('throws a CycleError on a cycle', () => {
      const a = job('a');
      const b = job('b', { requires: a });
      a.requires(b);
      const scheduler = new Scheduler([job('free'), a, b]);
      expect(() => scheduler.topologicalOrder()).to.throw(CycleError);
    });
  });

  describe('bypassAndRemove()', () => {
    it('removes a job from a chain, its successor now requiring its predecessor (test_bypass1)', async () => {
      const { scheduler, j } = chain();
      const { j1, j2, j3, j4, j5 } = j;
      expect(scheduler.bypassAndRemove(j3)).to.equal(scheduler);
      expect(scheduler.has(j3)).to.equal(false);
      expect(scheduler.size).to.equal(4);
      expect([...j4.requirements]).to.deep.equal([j2]);
      expect([...j3.requirements]).to.deep.equal([j2]);
      expect(scheduler.sanitize()).to.equal(true);
      expect(labels(scheduler.successorsDownstream(j1))).to.deep.equal(['j2', 'j4', 'j5']);
      expect(labels(scheduler.predecessorsUpstream(j5))).to.deep.equal(['j1', 'j2', 'j4']);
      await runsFine(scheduler);
      expect(j3.status).to.equal('idle');
    });

    it('gives the successors every requirement of the removed job (test_bypass2)', async () => {
      const j1 = job('j1');
      const j2 = job('j2', { requires: j1 });
      const j3 = job('j3', { requires: j1 });
      const j4 = job('j4', { requires: [j2, j3] });
      const j5 = job('j5', { requires: j4 });
      const scheduler = new Scheduler([j1, j2, j3, j4, j5]);
      expect(labels(scheduler.successorsDownstream(j1))).to.deep.equal(['j2', 'j3', 'j4', 'j5']);
      expect(labels(scheduler.predecessorsUpstream(j5))).to.deep.equal(['j1', 'j2', 'j3', 'j4']);
      scheduler.bypassAndRemove(j4);
      expect(labels(j5.requirements)).to.deep.equal(['j2', 'j3']);
      expect(scheduler.sanitize()).to.equal(true);
      expect(labels(scheduler.successorsDownstream(j1))).to.deep.equal(['j2', 'j3', 'j5']);
      expect(labels(scheduler.predecessorsUpstream(j5))).to.deep.equal(['j1', 'j2', 'j3']);
      await runsFine(scheduler);
    });

    it('handles middle, entry and exit jobs of a double diamond (test_bypass3)', async () => {
      const { scheduler, j } = diamonds(false);
      const { j1, j2, j3, j4, j5, j6, j7 } = j;
      expect(labels(scheduler.successorsDownstream(j1))).to.deep.equal(['j2', 'j3', 'j4', 'j5', 'j6', 'j7']);
      expect(labels(scheduler.successorsDownstream(j4))).to.deep.equal(['j5', 'j6', 'j7']);
      expect(labels(scheduler.successorsDownstream(j7))).to.deep.equal([]);
      expect(labels(scheduler.predecessorsUpstream(j7))).to.deep.equal(['j1', 'j2', 'j3', 'j4', 'j5', 'j6']);
      expect(labels(scheduler.predecessorsUpstream(j4))).to.deep.equal(['j1', 'j2', 'j3']);
      expect(labels(scheduler.predecessorsUpstream(j1))).to.deep.equal([]);

      scheduler.bypassAndRemove(j4);
      expect(labels(j5.requirements)).to.deep.equal(['j2', 'j3']);
      expect(labels(j6.requirements)).to.deep.equal(['j2', 'j3']);
      expect(labels(scheduler.successorsDownstream(j2))).to.deep.equal(['j5', 'j6', 'j7']);

      scheduler.bypassAndRemove(j1);
      expect(labels(j2.requirements)).to.deep.equal([]);
      expect(labels(j3.requirements)).to.deep.equal([]);
      expect(labels(scheduler.entryJobs())).to.deep.equal(['j2', 'j3']);

      scheduler.bypassAndRemove(j7);
      expect(labels(scheduler.successors(j5))).to.deep.equal([]);
      expect(labels(scheduler.successors(j6))).to.deep.equal([]);
      expect(labels(scheduler.exitJobs())).to.deep.equal(['j5', 'j6']);
      expect(labels(scheduler)).to.deep.equal(['j2', 'j3', 'j5', 'j6']);
      expect(scheduler.sanitize()).to.equal(true);
      await runsFine(scheduler);
    });

    it('bypasses a job of a Sequence (test_bypass_seq)', async () => {
      const { scheduler, j } = chain();
      const { j1, j2, j3, j4, j5 } = j;
      scheduler.bypassAndRemove(j3);
      expect(j4.requirements.has(j2)).to.equal(true);
      expect(labels(scheduler.successorsDownstream(j2))).to.deep.equal(['j4', 'j5']);
      expect(labels(scheduler.predecessorsUpstream(j4))).to.deep.equal(['j1', 'j2']);
      expect(labels(scheduler.predecessors(j4))).to.deep.equal(['j2']);
      expect(labels(scheduler.successors(j1))).to.deep.equal(['j2']);
      expect(labels(scheduler.successors(j4))).to.deep.equal(['j5']);
      expect(labels(scheduler.predecessorsUpstream(j5))).to.deep.equal(['j1', 'j2', 'j4']);
      expect(scheduler.topologicalOrder().map((x) => x.label)).to.deep.equal(['j1', 'j2', 'j4', 'j5']);
      await runsFine(scheduler);
    });
  });

  describe('keepOnlyBetween()', () => {
    it('keeps what lies between starts and ends, included (test_bypass_keep1)', async () => {
      const { scheduler, j } = diamonds(false);
      scheduler.keepOnlyBetween({ starts: [j.j2, j.j3], ends: [j.j5, j.j6] });
      expect(labels(scheduler)).to.deep.equal(['j2', 'j3', 'j4', 'j5', 'j6']);
      expect(labels(scheduler.entryJobs())).to.deep.equal(['j2', 'j3']);
      expect(scheduler.sanitize()).to.equal(true);
      await runsFine(scheduler);
    });

    it('keeps everything downstream of the starts without ends (test_bypass_keep2)', async () => {
      const { scheduler, j } = diamonds(false);
      expect(scheduler.keepOnlyBetween({ starts: [j.j4] })).to.equal(scheduler);
      expect(labels(scheduler)).to.deep.equal(['j4', 'j5', 'j6', 'j7']);
      expect(labels(j.j4.requirements)).to.deep.equal([]);
      await runsFine(scheduler);
    });

    it('leaves the starts out with keepStarts: false (test_bypass_keep3)', async () => {
      const { scheduler, j } = diamonds(false);
      scheduler.keepOnlyBetween({ starts: [j.j4], keepStarts: false });
      expect(labels(scheduler)).to.deep.equal(['j5', 'j6', 'j7']);
      expect(labels(scheduler.entryJobs())).to.deep.equal(['j5', 'j6']);
      await runsFine(scheduler);
    });

    it('excludes a branch that bypasses the ends (test_bypass_keep4)', async () => {
      const { scheduler, j } = oddDiamonds();
      scheduler.keepOnlyBetween({ starts: [j.j2, j.j3], ends: [j.j5, j.j6] });
      expect(labels(scheduler)).to.deep.equal(['j2', 'j3', 'j4', 'j5', 'j6']);
      await runsFine(scheduler);
    });

    it('leaves the ends out with keepEnds: false (test_bypass_keep5)', async () => {
      const { scheduler, j } = oddDiamonds();
      scheduler.keepOnlyBetween({
        starts: [j.j2, j.j3],
        ends: [j.j8, j.j9],
        keepEnds: false,
      });
      expect(labels(scheduler)).to.deep.equal(['j2', 'j3', 'j4', 'j5', 'j6', 'j7', 'j_odd']);
      expect(labels(scheduler.exitJobs())).to.deep.equal(['j7']);
      await runsFine(scheduler);
    });

    it('keeps everything upstream of the ends without starts, and everything with neither', async () => {
      const { scheduler, j } = diamonds(false);
      scheduler.keepOnlyBetween({ ends: [j.j4] });
      expect(labels(scheduler)).to.deep.equal(['j1', 'j2', 'j3', 'j4']);
      scheduler.keepOnlyBetween({});
      expect(labels(scheduler)).to.deep.equal(['j1', 'j2', 'j3', 'j4']);
      await runsFine(scheduler);
    });
  });

  describe('keepOnly()', () => {
    it('keeps the given members and drops requirements on the others (test_bypass_keep10)', async () => {
      const { scheduler, j } = diamonds(true);
      const { j1, j2, j3, j4 } = j;
      expect(scheduler.keepOnly([j1, j2, j3, j4])).to.equal(scheduler);
      expect(scheduler.size).to.equal(4);
      expect(scheduler.successors(j1).size).to.equal(2);
      expect(scheduler.predecessors(j1).size).to.equal(0);
      expect(scheduler.successors(j2).size).to.equal(1);
      expect(scheduler.predecessors(j2).size).to.equal(1);
      expect(scheduler.successors(j4).size).to.equal(0);
      expect(scheduler.predecessors(j4).size).to.equal(2);
      expect(scheduler.sanitize()).to.equal(true);
      await runsFine(scheduler);
    });

    it('leaves kept jobs without the requirements it dropped (test_bypass_keep11)', async () => {
      const { scheduler, j } = diamonds(true);
      const { j1, j4, j7 } = j;
      scheduler.keepOnly(new Set([j1, j4, j7]));
      expect(labels(scheduler)).to.deep.equal(['j1', 'j4', 'j7']);
      for (const x of [j1, j4, j7]) {
        expect(scheduler.predecessors(x).size, x.label).to.equal(0);
        expect(scheduler.successors(x).size, x.label).to.equal(0);
        expect(x.requirements.size, x.label).to.equal(0);
      }
      await runsFine(scheduler);
    });
  });

  describe('remove()', () => {
    it('removes members but leaves requirements: the run is refused until sanitize()', async () => {
      const { scheduler, j } = chain();
      const { j2, j3, j4 } = j;
      expect(scheduler.remove(j3)).to.equal(scheduler);
      expect(scheduler.has(j3)).to.equal(false);
      expect(scheduler.size).to.equal(4);
      expect([...j4.requirements]).to.deep.equal([j3]);
      expect(await rejection(scheduler.orchestrate())).to.be.instanceOf(ForeignRequirementError);
      expect(scheduler.sanitize()).to.equal(false);
      expect(j4.requirements.size).to.equal(0);
      expect(scheduler.sanitize()).to.equal(true);
      expect([...j3.requirements]).to.deep.equal([j2]);
      await runsFine(scheduler);
    });

    it('removes several members at once, and none when one is not a member', async () => {
      const { scheduler, j } = chain();
      const { j1, j2, j5 } = j;
      expect(() => scheduler.remove(j1, job('stranger'))).to.throw(NotAMemberError);
      expect(scheduler.size).to.equal(5);
      scheduler.remove(j1, j5);
      expect(labels(scheduler)).to.deep.equal(['j2', 'j3', 'j4']);
      expect(scheduler.sanitize()).to.equal(false);
      expect(j2.requirements.size).to.equal(0);
      await runsFine(scheduler);
    });
  });

  describe('checkCycles()', () => {
    it('finds a cycle in a flat scheduler (test_flat_cycles)', async () => {
      const j1 = job('j1');
      const j2 = job('j2', { requires: j1 });
      const j3 = job('j3', { requires: j2 });
      const scheduler = new Scheduler([j1, j2, j3]);
      expect(scheduler.checkCycles()).to.equal(true);
      j1.requires(j3);
      expect(scheduler.checkCycles()).to.equal(false);
      expect(scheduler.rainCheck()).to.equal(false);
      expect(await rejection(scheduler.orchestrate())).to.be.instanceOf(CycleError);
      j1.removeRequirements(j3);
      expect(scheduler.checkCycles()).to.equal(true);
      await runsFine(scheduler);
    });

    it('finds cycles at every depth (test_nested_cycles)', async () => {
      const [js1, js2, js3] = [job('js1'), job('js2'), job('js3')];
      const s2 = new Scheduler([new Sequence(js1, js2, js3)], { label: 's2' });
      const [j1, j3] = [job('j1'), job('j3')];
      const s1 = new Scheduler([new Sequence(j1, s2, j3)], { label: 's1' });
      expect(s1.checkCycles()).to.equal(true);

      js1.requires(js3);
      expect(s2.checkCycles()).to.equal(false);
      expect(s1.checkCycles()).to.equal(false);
      expect(await rejection(s1.orchestrate())).to.be.instanceOf(CycleError);
      js1.removeRequirements(js3);
      expect(s1.checkCycles()).to.equal(true);

      j1.requires(j3);
      expect(s1.checkCycles()).to.equal(false);
      expect(s2.checkCycles()).to.equal(true);
      j1.removeRequirements(j3);
      expect(s1.checkCycles()).to.equal(true);

      s2.remove(js2);
      expect(s2.sanitize()).to.equal(false);
      const [k1, k2, k3] = [job('k1'), job('k2'), job('k3')];
      const s3 = new Scheduler([new Sequence(k1, k2, k3)], { label: 's3', requires: js1 });
      s2.add(s3);
      js3.requires(s3);
      expect(s1.checkCycles()).to.equal(true);
      expect(s1.sanitize()).to.equal(true);
      await runsFine(s1);

      js1.requires(js3);
      expect(s1.checkCycles()).to.equal(false);
      expect(s2.checkCycles()).to.equal(false);
      expect(s3.checkCycles()).to.equal(true);
    });
  });

  describe('sanitize()', () => {
    it('drops requirements on non-members, and is true once nothing is left to drop (flat)', async () => {
      const [j4, j5] = [job('j4'), job('j5')];
      const j1 = job('j1');
      const j2 = job('j2', { requires: [j1, j4] });
      const j3 = job('j3', { requires: [j2, j5] });
      const scheduler = new Scheduler([j1, j2, j3]);
      expect(await rejection(scheduler.orchestrate())).to.be.instanceOf(ForeignRequirementError);
      expect(scheduler.sanitize()).to.equal(false);
      expect([...j2.requirements]).to.deep.equal([j1]);
      expect([...j3.requirements]).to.deep.equal([j2]);
      expect(scheduler.sanitize()).to.equal(true);
      await runsFine(scheduler);
    });

    it('drops outsider and cross-level requirements at every depth (test_sanitize, nested)', async () => {
      const [j4, j14, j15] = [job('j4'), job('j14'), job('j15')];
      const [j11, j12, j13] = [job('j11'), job('j12'), job('j13')];
      const s2 = new Scheduler([new Sequence(j11, j12, j13)], { label: 's2' });
      const [j1, j3] = [job('j1'), job('j3')];
      const s1 = new Scheduler([new Sequence(j1, s2, j3)], { label: 's1' });
      const j2 = job('j2', { requires: j1 });
      j12.requires(j14);
      j13.requires(j15);
      j1.requires(j4, j11);
      s2.requires(j13);
      expect(s1.sanitize()).to.equal(false);
      expect([...j12.requirements]).to.deep.equal([j11]);
      expect([...j13.requirements]).to.deep.equal([j12]);
      expect(j1.requirements.size).to.equal(0);
      expect([...s2.requirements]).to.deep.equal([j1]);
      expect([...j3.requirements]).to.deep.equal([s2]);
      expect([...j2.requirements]).to.deep.equal([j1]);
      expect(s1.sanitize()).to.equal(true);
      await runsFine(s1);
    });

    it('is true for a clean scheduler with clean nested schedulers (the result does not flip)', async () => {
      const inner = diamondScheduler('inner');
      const deeper = diamondScheduler('deeper');
      const middle = new Scheduler([job('m1'), deeper], { label: 'middle' });
      const scheduler = new Scheduler([new Sequence(job('a'), inner, middle, job('z'))]);
      expect(scheduler.sanitize()).to.equal(true);
      expect(scheduler.sanitize()).to.equal(true);
      await runsFine(scheduler);
    });

    it('is false when only a scheduler two levels down had something dropped', async () => {
      const inner = diamondScheduler('inner');
      const deeper = diamondScheduler('deeper');
      const middle = new Scheduler([job('m1'), deeper], { label: 'middle' });
      const scheduler = new Scheduler([new Sequence(job('a'), inner, middle, job('z'))]);
      const deepJob = [...deeper][3] as Job;
      deepJob.requires(job('outsider'));
      expect(scheduler.sanitize()).to.equal(false);
      expect(labels(deepJob.requirements)).to.deep.equal(['deeper.left', 'deeper.right']);
      expect(scheduler.sanitize()).to.equal(true);
      await runsFine(scheduler);
    });
  });

  describe('iterateJobs()', () => {
    it('yields the leaf jobs at every depth; with scanSchedulers, the schedulers too (test_iterate)', async () => {
      const top = job('top');
      const left = diamondScheduler('left').requires(top);
      const right = diamondScheduler('right').requires(top);
      const bottom = job('bottom', { requires: [left, right] });
      const scheduler = new Scheduler([top, left, right, bottom], { label: 'main' });
      const leaves = [...scheduler.iterateJobs()];
      expect(leaves).to.have.length(10);
      expect(leaves.map((j) => j.label)).to.deep.equal([
        'top',
        'left.top',
        'left.left',
        'left.right',
        'left.bottom',
        'right.top',
        'right.left',
        'right.right',
        'right.bottom',
        'bottom',
      ]);
      const all = [...scheduler.iterateJobs({ scanSchedulers: true })];
      expect(all).to.have.length(13);
      expect(all[0]).to.equal(scheduler);
      expect(all.filter((j) => j instanceof Scheduler).map((j) => j.label)).to.deep.equal([
        'main',
        'left',
        'right',
      ]);
      expect(scheduler.iterateJobs({ scanSchedulers: false })).to.satisfy(
        (it: Iterable<Job>) => [...it].length === 10,
      );
      await runsFine(scheduler);
    });
  });
});
