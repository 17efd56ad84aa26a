// Folded schedulers in graphs: one node each in toDot() (a 3D box) and toMermaid() (a subroutine node),
// numbered as list() numbers them; `unfold` draws their members as any nested scheduler's.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from 'chai';

import { Scheduler } from '../../../lib/index.js';
import { toDot } from '../../../lib/render/text/dot.js';
import { toMermaid } from '../../../lib/render/text/mermaid.js';
import { fits, hostGroup, HostGroup, member } from '../../helpers/folded.js';
import { graphJob as job } from '../../helpers/jobs.js';

/** load -> prepare fit[01-37] (critical: red) -> collect, in `main`. */
const testbed = () => {
  const load = job('load');
  const group = hostGroup('prepare', fits(37), [], { requires: load, critical: true });
  const collect = job('collect', { requires: group });
  return { group, scheduler: new Scheduler([load, group, collect], { label: 'main' }) };
};

describe('toDot(): folded schedulers', () => {
  it('draws a folded scheduler as one 3D box labelled with its hosts and size, edges to it directly', () => {
    const { scheduler } = testbed();
    expect(scheduler.toDot()).to.equal(
      [
        'digraph "main" {',
        '  compound=true;',
        '  j1 [label="load", shape=box, style="rounded", penwidth=0.5];',
        '  j2 [label="prepare\\nfit[01-37] ×37", shape=box3d, style="rounded", color="red", penwidth=2];',
        '  j3 [label="collect", shape=box, style="rounded", penwidth=0.5];',
        '  j1 -> j2;',
        '  j2 -> j3;',
        '}',
        '',
      ].join('\n'),
    );
    expect(
      scheduler
        .list()
        .split('\n')
        .map((l) => l.slice(0, 1)),
    ).to.deep.equal(['1', '2', '3']);
  });

  it('keeps a label that does not end with its hosts on one line', () => {
    const group = new HostGroup([member('send', 'fit01'), member('send', 'fit02')], {
      label: 'pairs',
      fold: true,
      critical: false,
    });
    expect(toDot(new Scheduler([group], { label: 'main' }))).to.include(
      '  j1 [label="pairs ×2", shape=box3d, style="rounded", penwidth=0.5];',
    );
  });

  it('draws the members as a cluster with unfold, the same graph as without fold', () => {
    const { group, scheduler } = testbed();
    const unfolded = scheduler.toDot({ unfold: true });
    expect(unfolded).to.include('  subgraph cluster_2 {');
    expect(unfolded).to.include(
      '    j3 [label="prepare@fit01", shape=box, style="rounded", color="red", penwidth=2];',
    );
    expect(unfolded).to.include('  j1 -> j21 [lhead=cluster_2];');
    expect(unfolded).not.to.include('box3d');
    expect(toDot(scheduler, { unfold: true })).to.equal(unfolded);
    expect(scheduler.toDot()).not.to.equal(unfolded);
    group.fold = false;
    expect(scheduler.toDot()).to.equal(unfolded);
  });

  it('exportAsDotfile() folds too, and passes unfold on', async () => {
    const { scheduler } = testbed();
    const dir = await mkdtemp(join(tmpdir(), 'rxjobs-dot-fold-'));
    try {
      await scheduler.exportAsDotfile(join(dir, 'folded.dot'));
      await scheduler.exportAsDotfile(join(dir, 'unfolded.dot'), { unfold: true });
      expect(await readFile(join(dir, 'folded.dot'), 'utf8')).to.equal(scheduler.toDot());
      expect(scheduler.toDot()).to.include('shape=box3d');
      expect(await readFile(join(dir, 'unfolded.dot'), 'utf8')).to.equal(scheduler.toDot({ unfold: true }));
      expect(scheduler.toDot({ unfold: true })).not.to.include('shape=box3d');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses unknown graph options and an unfold that is not a boolean, naming the scheduler', () => {
    const { scheduler } = testbed();
    expect(() => scheduler.toDot({ fold: true } as never)).to.throw(/main.*fold/s);
    expect(() => scheduler.toMermaid({ unfold: 1 } as never))
      .to.throw(/unfold/)
      .with.property('name', 'ConfigError');
  });
});

describe('toMermaid(): folded schedulers', () => {
  it('draws a folded scheduler as one subroutine node, numbered as in toDot()', () => {
    const { scheduler } = testbed();
    expect(scheduler.toMermaid()).to.equal(
      [
        'flowchart TD',
        '  j1("load")',
        '  j2[["prepare fit[01-37] ×37"]]',
        '  j3("collect")',
        '  j1 --> j2',
        '  j2 --> j3',
        '  classDef critical stroke:#d00,stroke-width:2px',
        '  class j2 critical',
        '',
      ].join('\n'),
    );
  });

  it('draws the members in a subgraph with unfold, as without fold', () => {
    const { group, scheduler } = testbed();
    const unfolded = toMermaid(scheduler, { unfold: true });
    expect(unfolded).to.include('  subgraph c2 ["prepare fit[01-37]"]');
    expect(unfolded).to.include('  j1 --> c2');
    expect(scheduler.toMermaid({ unfold: true })).to.equal(unfolded);
    expect(scheduler.toMermaid()).not.to.equal(unfolded);
    group.fold = false;
    expect(scheduler.toMermaid()).to.equal(unfolded);
  });
});
