import { expect } from 'chai';
import { lastValueFrom, toArray } from 'rxjs';

import { Job, LocalNode, Scheduler, SshJob } from '../../lib/index.js';
import type { SchedulerEvent } from '../../lib/index.js';
import { describeEvent } from '../helpers/marbles.js';

/** The outcomes of a run, described (`a:failed!` for a critical failure), with the end event. */
const outcomesOf = async (scheduler: Scheduler): Promise<string[]> =>
  (await lastValueFrom(scheduler.run().pipe(toArray())))
    .filter((e: SchedulerEvent) => e.type !== 'started' && e.type !== 'value')
    .map(describeEvent);

describe('SshJob: critical unless told otherwise (as in apssh)', () => {
  let node: LocalNode;
  beforeEach(() => {
    node = new LocalNode();
  });
  afterEach(async () => {
    await node.close();
  });

  it('aborts the run when it fails and neither it nor a scheduler sets critical', async () => {
    const fails = new SshJob(node, 'exit 3', { label: 'fails' });
    const after = new SshJob(node, 'echo after', { label: 'after', requires: fails });
    const main = new Scheduler([fails, after], { label: 'main' });
    expect(await outcomesOf(main)).to.deep.equal(['fails:failed!', 'end:main:false']);
    expect(main.why()).to.match(/^critical job "fails" failed: .*exit 3/);
    expect(after.isIdle()).to.equal(true);
    expect(main.list({ ascii: true })).to.match(/^1 ! \* x +<SshJob `fails`> !! CRIT\. EXC\./);
  });

  it('is not critical when it says so, or when the nearest enclosing scheduler that says anything does', async () => {
    const own = new SshJob(node, 'exit 3', { label: 'own', critical: false });
    expect(await outcomesOf(new Scheduler([own], { label: 'a' }))).to.deep.equal([
      'own:failed',
      'end:a:true',
    ]);
    const inherits = new SshJob(node, 'exit 3', { label: 'inherits' });
    expect(await outcomesOf(new Scheduler([inherits], { label: 'b', critical: false }))).to.deep.equal([
      'inherits:failed',
      'end:b:true',
    ]);
    // an unset nested scheduler passes its parent's setting on; the nested one itself is not critical
    const deep = new SshJob(node, 'exit 3', { label: 'deep' });
    const nested = new Scheduler([deep], { label: 'nested' });
    const outer = new Scheduler([nested], { label: 'outer', critical: false });
    expect(await outcomesOf(outer)).to.deep.equal([
      'deep:failed',
      'end:nested:true',
      'nested:done=true',
      'end:outer:true',
    ]);
    // the job's own setting wins over the scheduler's
    const mine = new SshJob(node, 'exit 3', { label: 'mine', critical: true });
    expect(await outcomesOf(new Scheduler([mine], { label: 'c', critical: false }))).to.deep.equal([
      'mine:failed!',
      'end:c:false',
    ]);
  });

  it('leaves a plain Job non-critical by default, and a nested scheduler is not critical unless set', async () => {
    const plain = new Job(() => Promise.reject(new Error('boom')), { label: 'plain' });
    expect(await outcomesOf(new Scheduler([plain], { label: 'p' }))).to.deep.equal([
      'plain:failed',
      'end:p:true',
    ]);
    // the nested scheduler fails (its critical SshJob did), but it is not critical in its parent
    const ssh = new SshJob(node, 'exit 3', { label: 'ssh' });
    const nested = new Scheduler([ssh], { label: 'nested' });
    expect(await outcomesOf(new Scheduler([nested], { label: 'top' }))).to.deep.equal([
      'ssh:failed!',
      'end:nested:false',
      'nested:failed',
      'end:top:true',
    ]);
  });
});
