import { expect } from 'chai';
import { defer, finalize, lastValueFrom, of, timer, toArray } from 'rxjs';

import { ConfigError, Job, LocalNode, MatrixJob, NodeGroup, Scheduler, SshJob } from '../../lib/index.js';
import { thrown } from '../helpers/errors.js';
import { describeEvent } from '../helpers/marbles.js';

const message = (f: () => unknown): string => {
  const e = thrown(f);
  expect(e).to.be.instanceOf(ConfigError);
  return (e as ConfigError).message;
};

describe('MatrixJob', () => {
  let nodes: LocalNode[];
  let fits: NodeGroup;
  beforeEach(() => {
    nodes = ['fit01', 'fit02', 'fit03'].map((label) => new LocalNode({ label }));
    fits = NodeGroup.of(nodes);
  });
  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.close()));
  });

  it('makes one member per instance kept by where, labelled label[key], with its variables', async () => {
    const pairs = new MatrixJob(
      { sender: fits, receiver: fits },
      (i) => new SshJob(i.node('sender'), `echo ${i.vars['receiver'] ?? ''} ${i.vars['instance'] ?? ''}`),
      { label: 'pairs', where: 'sender != receiver' },
    );
    expect([...pairs].map((j) => j.label)).to.deep.equal([
      'pairs[fit01,fit02]',
      'pairs[fit01,fit03]',
      'pairs[fit02,fit01]',
      'pairs[fit02,fit03]',
      'pairs[fit03,fit01]',
      'pairs[fit03,fit02]',
    ]);
    expect(pairs.label).to.equal('pairs');
    expect(pairs.instances).to.have.length(6);
    const member = pairs.member('fit02,fit01') as SshJob;
    expect(member.node).to.equal(nodes[1]);
    expect(pairs._foldKey(member)).to.equal('fit02×fit01');
    expect(pairs.fold).to.equal(true);
    const events = await lastValueFrom(new Scheduler([pairs]).run().pipe(toArray()));
    const lines = events.flatMap((e) =>
      e.type === 'value' && e.value !== null && typeof e.value === 'object' && 'text' in e.value
        ? [`${e.job.label} ${String(e.value.text)}`]
        : [],
    );
    expect(lines).to.include('pairs[fit02,fit01] fit01 fit02-fit01');
    expect(pairs.isDone() && pairs.raisedException() === undefined).to.equal(true);
  });

  it('runs several jobs of an instance as a nested scheduler, labelled label[key].job, one instance at a time with jobsWindow 1', async () => {
    let running = 0;
    let most = 0;
    const step = (label: string): Job =>
      new Job(
        () =>
          defer(() => {
            most = Math.max(most, ++running);
            return timer(20).pipe(
              finalize(() => {
                running--;
              }),
            );
          }),
        { label },
      );
    const matrix = new MatrixJob(
      { size: [100, 1000], mode: ['a', 'b'] },
      () => {
        const send = step('send');
        return [send, step('check').requires(send)];
      },
      { label: 'm', jobsWindow: 1, exclude: [{ size: 1000, mode: 'b' }] },
    );
    expect([...matrix].map((j) => j.label)).to.deep.equal(['m[100,a]', 'm[100,b]', 'm[1000,a]']);
    const first = matrix.member('100,a') as Scheduler;
    expect([...first].map((j) => j.label)).to.deep.equal(['m[100,a].send', 'm[100,a].check']);
    expect(matrix._foldKey(first)).to.equal('100×a');
    expect(await new Scheduler([matrix]).orchestrate()).to.equal(true);
    expect(most).to.be.at.most(1);
  });

  it('tolerates failed instances up to maxFailures, and gives each memberTimeout and retries', async () => {
    const matrix = new MatrixJob(
      { n: [1, 2, 3, 4] },
      (i) => new Job<unknown>(() => (i.vars['n'] === '2' ? timer(5000) : Promise.resolve(i.vars['n']))),
      { label: 'm', maxFailures: '25%', memberTimeout: 100, retries: { count: 1, delay: 1 } },
    );
    const member = matrix.member('2');
    expect([member?.timeout, member?.retries]).to.deep.equal([100, { count: 1, delay: 1 }]);
    const events = await lastValueFrom(new Scheduler([matrix], { label: 'main' }).run().pipe(toArray()));
    expect(
      events.map(describeEvent).filter((e) => /^(m\[2\]:(failed|started)|end:main)/.test(e)),
    ).to.deep.equal(['m[2]:started', 'm[2]:started', 'm[2]:failed', 'end:main:true']);
    expect(member?.isTolerated()).to.equal(true);
  });

  it('refuses bad input from plain JavaScript, naming the matrix and the field', () => {
    expect(message(() => new MatrixJob({ n: [1] }, 'true' as never, { label: 'm' }))).to.match(
      /^matrix job "m": make must be a function of each instance returning its job, got string "true"$/,
    );
    expect(
      message(
        () =>
          new MatrixJob({ n: [1, 2] }, (i) => (i.vars['n'] === '2' ? ('x' as never) : new Job(() => of(1)))),
      ),
    ).to.match(/^matrix job "n": make\(2\) must return a job or a non-empty list of jobs, got string "x"$/);
    expect(message(() => new MatrixJob({ n: [1] }, () => []))).to.match(/got an empty list/);
    const shared = new Job(() => of(1));
    expect(message(() => new MatrixJob({ n: [1, 2] }, () => shared))).to.match(
      /make\(2\) returned job .* again/,
    );
    const big = Array.from({ length: 1000 }, (_, i) => i);
    expect(
      message(() => new MatrixJob({ a: big, b: big }, () => new Job(() => of(1)), { where: 'a == b' })),
    ).to.match(
      /^matrix job "a×b": axes make 1000000 instances .* more than the 100000 allowed before filtering/,
    );
    expect(
      message(() => new MatrixJob({ a: [1] }, () => new Job(() => of(1)), { wher: 'a == 1' } as never)),
    ).to.match(/wher is not an option of MatrixJob, did you mean where\?/);
    expect(
      message(() => new MatrixJob({ a: [1] }, () => new Job(() => of(1)), { memberTimeout: 'x' } as never)),
    ).to.match(/memberTimeout must be a number/);
  });
});
