import { spawnSync } from 'node:child_process';

import { expect } from 'chai';
import { of } from 'rxjs';

import { Job, Scheduler, Sequence } from '../../../lib/index.js';
import { toDot } from '../../../lib/render/text/dot.js';
import { graphJob as job } from '../../helpers/jobs.js';

/** Lines without their indentation. */
const linesOf = (dot: string): string[] => dot.split('\n').map((l) => l.trim());

/** The node statements (`jN [...]` and `empty_N [...]`), in order. */
const nodeLines = (dot: string): string[] => linesOf(dot).filter((l) => /^(j|empty_)\d+ \[/.test(l));

/** The edge statements, in order. */
const edgeLines = (dot: string): string[] => linesOf(dot).filter((l) => l.includes(' -> '));

/** The node id whose label is `label`. */
const idOf = (dot: string, label: string): string => {
  const line = nodeLines(dot).find((l) => l.includes(`[label="${label}",`));
  if (line === undefined) throw new Error(`no node labelled ${label} in\n${dot}`);
  return line.slice(0, line.indexOf(' '));
};

/** Each node and cluster id, with the ids of the clusters that hold it, outermost first (from the braces). */
function nesting(dot: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const stack: string[] = [];
  for (const line of linesOf(dot).slice(1)) {
    const cluster = /^subgraph (cluster_\d+) \{$/.exec(line);
    if (cluster?.[1] !== undefined) {
      out.set(cluster[1], [...stack]);
      stack.push(cluster[1]);
    } else if (line === '}') stack.pop();
    else if (/^(j|empty_)\d+ \[/.test(line)) out.set(line.slice(0, line.indexOf(' ')), [...stack]);
  }
  expect(stack, 'unbalanced braces').to.deep.equal([]);
  return out;
}

/** The attribute lines of a cluster (`label=...;`, `style=...;`), up to its first member. */
const clusterAttributes = (dot: string, cluster: string): string[] => {
  const lines = linesOf(dot);
  const start = lines.indexOf(`subgraph ${cluster} {`);
  expect(start, `no ${cluster}`).to.be.greaterThan(-1);
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!/^[a-z]+=.*;$/.test(line)) break;
    out.push(line);
  }
  return out;
};

/** Runs the real graphviz `dot`; fails with a message saying how to install it when it is missing. */
function runDot(text: string, format: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('dot', [`-T${format}`], { input: text, encoding: 'utf8' });
  if (r.error !== undefined)
    throw new Error(`graphviz's dot is needed by this test: apt-get install graphviz (${r.error.message})`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('toDot', () => {
  it('writes a digraph named after the scheduler, with compound=true', () => {
    const dot = toDot(new Scheduler([job('a')], { label: 'main' }));
    const lines = dot.split('\n');
    expect(lines[0]).to.equal('digraph "main" {');
    expect(lines[1]).to.equal('  compound=true;');
    expect(dot.endsWith('}\n')).to.equal(true);
  });

  it('quotes and escapes the scheduler label', () => {
    const dot = toDot(new Scheduler([], { label: 'my "big"\\graph\nv2' }));
    expect(dot.split('\n')[0]).to.equal('digraph "my \\"big\\"\\\\graph\\nv2" {');
    expect(runDot(dot, 'canon').status).to.equal(0);
  });

  it('is the same as scheduler.toDot()', () => {
    const s = new Scheduler([new Sequence(job('a'), job('b'))], { label: 'main' });
    expect(s.toDot()).to.equal(toDot(s));
  });

  it('draws one node per leaf job, in topological order, with ids j1, j2...', () => {
    const a = job('a');
    const b = job('b').requires(a);
    const c = job('c').requires(b);
    const d = job('d');
    const dot = toDot(new Scheduler([c, b, a, d], { label: 'main' }));
    expect(nodeLines(dot)).to.deep.equal([
      'j1 [label="a", shape=box, style="rounded", penwidth=0.5];',
      'j2 [label="d", shape=box, style="rounded", penwidth=0.5];',
      'j3 [label="b", shape=box, style="rounded", penwidth=0.5];',
      'j4 [label="c", shape=box, style="rounded", penwidth=0.5];',
    ]);
    expect(edgeLines(dot)).to.have.members(['j1 -> j3;', 'j3 -> j4;']);
    expect(edgeLines(dot)).to.have.length(2);
  });

  it('draws the edges of a Sequence', () => {
    const dot = toDot(new Scheduler([new Sequence(job('a'), job('b'), job('c'))], { label: 'main' }));
    expect(nodeLines(dot)).to.have.length(3);
    expect(edgeLines(dot)).to.deep.equal(['j1 -> j2;', 'j2 -> j3;']);
  });

  it('escapes quotes, backslashes and newlines in labels, and uses graphLabel()', () => {
    class TwoLines extends Job {
      override graphLabel(): string {
        return `${this.label}\nsecond line`;
      }
    }
    const quoted = job('say "hi"');
    const slashed = job('C:\\temp\\');
    const twoLines = new TwoLines(() => of(1), { label: 'first' });
    const dot = toDot(new Scheduler([quoted, slashed, twoLines], { label: 'main' }));
    const labels = nodeLines(dot).map((l) => /label=("(?:[^"\\]|\\.)*")/.exec(l)?.[1]);
    expect(labels).to.deep.equal(['"say \\"hi\\""', '"C:\\\\temp\\\\"', '"first\\nsecond line"']);
    expect(dot).not.to.match(/first\nsecond/);
    expect(runDot(dot, 'canon').status).to.equal(0);
  });

  it('dashes forever jobs and draws critical jobs red and thick', () => {
    const dot = toDot(
      new Scheduler([job('plain'), job('forever', { forever: true }), job('critical', { critical: true })], {
        label: 'main',
      }),
    );
    expect(nodeLines(dot)).to.deep.equal([
      'j1 [label="plain", shape=box, style="rounded", penwidth=0.5];',
      'j2 [label="forever", shape=box, style="rounded,dashed", penwidth=0.5];',
      'j3 [label="critical", shape=box, style="rounded", color="red", penwidth=2];',
    ]);
  });

  it('inherits critical from the enclosing schedulers, unless the job says otherwise', () => {
    const inherits = job('inherits');
    const notCritical = job('not-critical', { critical: false });
    const deep = job('deep');
    const inner = new Scheduler([deep], { label: 'inner' });
    const dot = toDot(new Scheduler([inherits, notCritical, inner], { label: 'main', critical: true }));
    const red = (label: string): boolean =>
      nodeLines(dot)
        .find((l) => l.includes(`"${label}"`))
        ?.includes('color="red", penwidth=2') ?? false;
    expect(red('inherits')).to.equal(true);
    expect(red('not-critical')).to.equal(false);
    expect(red('deep')).to.equal(true);
    expect(clusterAttributes(dot, 'cluster_3')).to.include('color="red";');
  });

  it('draws a non-critical nested scheduler inside a critical one in black', () => {
    const leaf = job('leaf');
    const inner = new Scheduler([leaf], { label: 'inner', critical: false });
    const dot = toDot(
      new Scheduler([new Scheduler([inner], { label: 'middle', critical: true })], { label: 'main' }),
    );
    expect(clusterAttributes(dot, 'cluster_1')).to.deep.equal([
      'label="middle";',
      'style="rounded";',
      'color="red";',
      'penwidth=2;',
    ]);
    expect(clusterAttributes(dot, 'cluster_2')).to.deep.equal([
      'label="inner";',
      'style="rounded";',
      'penwidth=0.5;',
    ]);
    expect(nodeLines(dot)).to.deep.equal(['j3 [label="leaf", shape=box, style="rounded", penwidth=0.5];']);
  });

  it('dashes the cluster of a forever nested scheduler', () => {
    const inner = new Scheduler([job('x')], { label: 'monitor', forever: true });
    const dot = toDot(new Scheduler([inner], { label: 'main' }));
    expect(clusterAttributes(dot, 'cluster_1')).to.deep.equal([
      'label="monitor";',
      'style="rounded,dashed";',
      'penwidth=0.5;',
    ]);
  });

  it('draws nested schedulers as nested clusters holding their members', () => {
    const a = job('a');
    const deepLeaf = job('deep-leaf');
    const deep = new Scheduler([deepLeaf], { label: 'deep' });
    const innerLeaf = job('inner-leaf');
    const inner = new Scheduler([innerLeaf, deep], { label: 'inner' });
    const b = job('b');
    const dot = toDot(new Scheduler([a, inner, b], { label: 'main' }));
    // numbers as in list(): a=1, inner=2, inner-leaf=3, deep=4, deep-leaf=5, b=6
    expect(Object.fromEntries(nesting(dot))).to.deep.equal({
      j1: [],
      cluster_2: [],
      j3: ['cluster_2'],
      cluster_4: ['cluster_2'],
      j5: ['cluster_2', 'cluster_4'],
      j6: [],
    });
    expect(clusterAttributes(dot, 'cluster_2')[0]).to.equal('label="inner";');
    expect(clusterAttributes(dot, 'cluster_4')[0]).to.equal('label="deep";');
    expect(nodeLines(dot)).to.have.length(4);
  });

  it('sends an edge into a nested scheduler to its middle entry job, with lhead', () => {
    const a = job('a');
    const e1 = job('e1');
    const e2 = job('e2');
    const e3 = job('e3');
    const inside = job('inside').requires(e1, e2, e3);
    const inner = new Scheduler([e1, e2, e3, inside], { label: 'inner' }).requires(a);
    const dot = toDot(new Scheduler([a, inner], { label: 'main' }));
    expect(edgeLines(dot)).to.include(`${idOf(dot, 'a')} -> ${idOf(dot, 'e2')} [lhead=cluster_2];`);
    // the edges inside the cluster are drawn inside it
    expect(Object.fromEntries(nesting(dot))[idOf(dot, 'inside')]).to.deep.equal(['cluster_2']);
    expect(edgeLines(dot)).to.include.members([
      `${idOf(dot, 'e1')} -> ${idOf(dot, 'inside')};`,
      `${idOf(dot, 'e2')} -> ${idOf(dot, 'inside')};`,
      `${idOf(dot, 'e3')} -> ${idOf(dot, 'inside')};`,
    ]);
    expect(edgeLines(dot)).to.have.length(4);
  });

  it('starts an edge out of a nested scheduler at its middle non-forever exit job, with ltail', () => {
    const x1 = job('x1');
    const monitor = job('monitor', { forever: true });
    const x2 = job('x2');
    const x3 = job('x3');
    const inner = new Scheduler([x1, monitor, x2, x3], { label: 'inner' });
    const after = job('after').requires(inner);
    const dot = toDot(new Scheduler([inner, after], { label: 'main' }));
    // non-forever exits: x1, x2, x3 -> x2 (the forever monitor is left out)
    expect(edgeLines(dot)).to.deep.equal([`${idOf(dot, 'x2')} -> ${idOf(dot, 'after')} [ltail=cluster_1];`]);
  });

  it('falls back to a forever exit job when a nested scheduler has no other', () => {
    const inner = new Scheduler([job('only-forever', { forever: true })], { label: 'inner' });
    const after = job('after').requires(inner);
    const dot = toDot(new Scheduler([inner, after], { label: 'main' }));
    expect(edgeLines(dot)).to.deep.equal([
      `${idOf(dot, 'only-forever')} -> ${idOf(dot, 'after')} [ltail=cluster_1];`,
    ]);
  });

  it('sets both ltail and lhead between two nested schedulers, and recurses into deeper ones', () => {
    const first = new Scheduler([job('f1'), job('f2'), job('f3')], { label: 'first' });
    const deepLeaf = job('deep-leaf');
    const deep = new Scheduler([deepLeaf], { label: 'deep' });
    const second = new Scheduler([deep, job('s2')], { label: 'second' }).requires(first);
    const dot = toDot(new Scheduler([first, second], { label: 'main' }));
    // first=1 (f1..f3 = 2..4), second=5, deep=6, deep-leaf=7, s2=8; second's middle entry is deep, whose
    // only entry is deep-leaf; lhead names the cluster of the member of main, second.
    expect(edgeLines(dot)).to.deep.equal([
      `${idOf(dot, 'f2')} -> ${idOf(dot, 'deep-leaf')} [ltail=cluster_1, lhead=cluster_5];`,
    ]);
    expect(Object.fromEntries(nesting(dot))[idOf(dot, 'deep-leaf')]).to.deep.equal([
      'cluster_5',
      'cluster_6',
    ]);
  });

  it('draws an empty nested scheduler as a cluster holding one invisible point, used by its edges', () => {
    const a = job('a');
    const empty = new Scheduler([], { label: 'empty' }).requires(a);
    const b = job('b').requires(empty);
    const dot = toDot(new Scheduler([a, empty, b], { label: 'main' }));
    expect(Object.fromEntries(nesting(dot))).to.deep.equal({
      j1: [],
      cluster_2: [],
      empty_2: ['cluster_2'],
      j3: [],
    });
    expect(nodeLines(dot)).to.include('empty_2 [shape=point, style=invis, label=""];');
    expect(edgeLines(dot)).to.deep.equal([
      'j1 -> empty_2 [lhead=cluster_2];',
      'empty_2 -> j3 [ltail=cluster_2];',
    ]);
    expect(runDot(dot, 'canon').status).to.equal(0);
  });

  it('skips requirements on jobs that are not members of the same scheduler', () => {
    const outsider = job('outsider');
    const inside = job('inside');
    const inner = new Scheduler([inside], { label: 'inner' });
    const a = job('a').requires(outsider, inside);
    const dot = toDot(new Scheduler([a, inner], { label: 'main' }));
    expect(dot).not.to.include('outsider');
    expect(nodeLines(dot)).to.have.length(2);
    expect(edgeLines(dot)).to.deep.equal([]);
  });

  it('does not throw on a cycle, drawing the members in insertion order', () => {
    const a = job('a');
    const b = job('b').requires(a);
    a.requires(b);
    const dot = toDot(new Scheduler([a, b], { label: 'main' }));
    expect(nodeLines(dot).map((l) => l.slice(0, 2))).to.deep.equal(['j1', 'j2']);
    expect(edgeLines(dot)).to.have.members(['j2 -> j1;', 'j1 -> j2;']);
  });

  it('produces DOT that graphviz parses and lays out without warnings, for a nested graph', () => {
    const a = job('start "here"', { critical: true });
    const inner = new Scheduler(
      [new Sequence(job('i1'), job('i2\nwith two lines')), job('watch', { forever: true })],
      { label: 'inner', critical: true },
    ).requires(a);
    const empty = new Scheduler([], { label: 'empty' }).requires(inner);
    const deep = new Scheduler([job('d1'), new Scheduler([job('d2')], { label: 'deeper' })], {
      label: 'deep',
    });
    const end = job('end').requires(empty, deep);
    const s = new Scheduler([a, inner, empty, deep, end], { label: 'main "graph"' });
    const dot = toDot(s);
    const canon = runDot(dot, 'canon');
    expect(canon.stderr).to.equal('');
    expect(canon.status).to.equal(0);
    expect(canon.stdout).to.match(/^digraph "main \\"graph\\"" \{/);
    for (const cluster of ['cluster_2', 'cluster_4', 'cluster_6', 'cluster_10'])
      expect(canon.stdout).to.include(`subgraph ${cluster} {`);
    // laying it out checks lhead/ltail: graphviz warns when an edge's end is not inside the named cluster
    const svg = runDot(dot, 'svg');
    expect(svg.stderr).to.equal('');
    expect(svg.status).to.equal(0);
    expect(svg.stdout).to.include('<svg');
  });
});
