import { expect } from 'chai';
import { of } from 'rxjs';

import { Job, Scheduler, Sequence } from '../../../lib/index.js';
import { toDot } from '../../../lib/render/text/dot.js';
import { toMermaid } from '../../../lib/render/text/mermaid.js';
import { graphJob as job } from '../../helpers/jobs.js';

/** Lines without their indentation. */
const linesOf = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');

/** The node statements `jN("...")`, in order. */
const nodeLines = (text: string): string[] => linesOf(text).filter((l) => /^j\d+\(/.test(l));

/** The edge statements, in order. */
const edgeLines = (text: string): string[] => linesOf(text).filter((l) => l.includes(' --> '));

/** Each node and subgraph id, with the ids of the subgraphs that hold it, outermost first. */
function nesting(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const stack: string[] = [];
  for (const line of linesOf(text).slice(1)) {
    const subgraph = /^subgraph (c\d+) \[/.exec(line);
    if (subgraph?.[1] !== undefined) {
      out.set(subgraph[1], [...stack]);
      stack.push(subgraph[1]);
    } else if (line === 'end') stack.pop();
    else if (/^j\d+\(/.test(line)) out.set(line.slice(0, line.indexOf('(')), [...stack]);
  }
  expect(stack, 'unbalanced subgraph/end').to.deep.equal([]);
  return out;
}

/** The ids given a class by `class a,b name` lines. */
const classMembers = (text: string, name: string): string[] =>
  linesOf(text)
    .filter((l) => l.startsWith('class ') && l.endsWith(` ${name}`))
    .flatMap((l) => l.slice('class '.length, -name.length - 1).split(','));

describe('toMermaid', () => {
  it('writes a top-down flowchart, the same as scheduler.toMermaid()', () => {
    const s = new Scheduler([job('a')], { label: 'main' });
    const text = toMermaid(s);
    expect(text.split('\n')[0]).to.equal('flowchart TD');
    expect(text.endsWith('\n')).to.equal(true);
    expect(s.toMermaid()).to.equal(text);
  });

  it('draws one rounded node per leaf job, in topological order, and one edge per requirement', () => {
    const a = job('a');
    const b = job('b').requires(a);
    const c = job('c').requires(a, b);
    const s = new Scheduler([c, b, a], { label: 'main' });
    const text = toMermaid(s);
    expect(nodeLines(text)).to.deep.equal(['j1("a")', 'j2("b")', 'j3("c")']);
    expect(edgeLines(text)).to.have.members(['j1 --> j2', 'j1 --> j3', 'j2 --> j3']);
    expect(edgeLines(text)).to.have.length(3);
  });

  it('numbers the nodes as toDot() does', () => {
    const inner = new Scheduler([job('x'), job('y')], { label: 'inner' });
    const s = new Scheduler([job('a'), inner, job('b').requires(inner)], { label: 'main' });
    const dotIds = toDot(s)
      .split('\n')
      .map((l) => /^\s*(j\d+) \[label="([^"]*)"/.exec(l))
      .filter((m) => m !== null)
      .map((m) => `${String(m[1])}:${String(m[2])}`);
    const mermaidIds = nodeLines(toMermaid(s)).map((l) => l.replace(/^(j\d+)\("([^"]*)"\)$/, '$1:$2'));
    expect(mermaidIds).to.deep.equal(dotIds);
  });

  it('draws a Sequence as a chain of edges', () => {
    const text = toMermaid(new Scheduler([new Sequence(job('a'), job('b'), job('c'))], { label: 'main' }));
    expect(edgeLines(text)).to.deep.equal(['j1 --> j2', 'j2 --> j3']);
  });

  it('draws nested schedulers as nested subgraphs holding their members', () => {
    const deep = new Scheduler([job('deep-leaf')], { label: 'deep' });
    const inner = new Scheduler([job('inner-leaf'), deep], { label: 'inner' });
    const text = toMermaid(new Scheduler([job('a'), inner, job('b')], { label: 'main' }));
    expect(Object.fromEntries(nesting(text))).to.deep.equal({
      j1: [],
      c2: [],
      j3: ['c2'],
      c4: ['c2'],
      j5: ['c2', 'c4'],
      j6: [],
    });
    expect(linesOf(text)).to.include.members(['subgraph c2 ["inner"]', 'subgraph c4 ["deep"]']);
  });

  it('draws edges into, out of and between nested schedulers to the subgraphs themselves', () => {
    const a = job('a');
    const first = new Scheduler([job('f1'), job('f2')], { label: 'first' }).requires(a);
    const second = new Scheduler([job('s1')], { label: 'second' }).requires(first);
    const b = job('b').requires(second);
    const text = toMermaid(new Scheduler([a, first, second, b], { label: 'main' }));
    // a=1, first=2 (f1=3, f2=4), second=5 (s1=6), b=7
    expect(edgeLines(text)).to.deep.equal(['j1 --> c2', 'c2 --> c5', 'c5 --> j7']);
  });

  it('draws the edges between the members of a nested scheduler inside its subgraph', () => {
    const inner = new Scheduler([new Sequence(job('x'), job('y'))], { label: 'inner' });
    const lines = toMermaid(new Scheduler([inner], { label: 'main' })).split('\n');
    const start = lines.indexOf('  subgraph c1 ["inner"]');
    const end = lines.indexOf('  end');
    expect(lines.indexOf('    j2 --> j3')).to.be.within(start + 1, end - 1);
  });

  it('escapes quotes, newlines and characters Mermaid would read in labels, and uses graphLabel()', () => {
    class TwoLines extends Job {
      override graphLabel(): string {
        return `${this.label}\nsecond line`;
      }
    }
    const text = toMermaid(
      new Scheduler(
        [
          job('say "hi"'),
          job('#1 <b> & co'),
          new TwoLines(() => of(1), { label: 'first' }),
          new Scheduler([], { label: 'the "inner"\none' }),
        ],
        { label: 'main' },
      ),
    );
    expect(nodeLines(text)).to.deep.equal([
      'j1("say #quot;hi#quot;")',
      'j2("#35;1 #lt;b#gt; #amp; co")',
      'j3("first<br/>second line")',
    ]);
    expect(linesOf(text)).to.include('subgraph c4 ["the #quot;inner#quot;<br/>one"]');
  });

  it('classes critical and forever jobs and schedulers, inheriting critical', () => {
    const inner = new Scheduler([job('inherits'), job('not-critical', { critical: false })], {
      label: 'inner',
      critical: true,
    });
    const text = toMermaid(
      new Scheduler(
        [job('plain'), job('forever', { forever: true }), job('critical', { critical: true }), inner],
        {
          label: 'main',
        },
      ),
    );
    // plain=1, forever=2, critical=3, inner=4 (inherits=5, not-critical=6)
    expect(linesOf(text)).to.include.members([
      'classDef critical stroke:#d00,stroke-width:2px',
      'classDef forever stroke-dasharray: 5 5',
    ]);
    expect(classMembers(text, 'critical')).to.have.members(['j3', 'c4', 'j5']);
    expect(classMembers(text, 'forever')).to.deep.equal(['j2']);
  });

  it('writes no classDef when no job is critical or forever', () => {
    const text = toMermaid(new Scheduler([job('a')], { label: 'main' }));
    expect(text).not.to.include('classDef');
    expect(text).not.to.match(/^\s*class /m);
  });

  it('draws an empty nested scheduler as an empty subgraph, with its edges', () => {
    const a = job('a');
    const empty = new Scheduler([], { label: 'empty' }).requires(a);
    const b = job('b').requires(empty);
    const text = toMermaid(new Scheduler([a, empty, b], { label: 'main' }));
    expect(linesOf(text)).to.deep.equal([
      'flowchart TD',
      'j1("a")',
      'subgraph c2 ["empty"]',
      'end',
      'j3("b")',
      'j1 --> c2',
      'c2 --> j3',
    ]);
  });

  it('skips requirements on jobs that are not members of the same scheduler, and cycles do not throw', () => {
    const outsider = job('outsider');
    const a = job('a').requires(outsider);
    const b = job('b').requires(a);
    a.requires(b);
    const text = toMermaid(new Scheduler([a, b], { label: 'main' }));
    expect(text).not.to.include('outsider');
    expect(nodeLines(text)).to.deep.equal(['j1("a")', 'j2("b")']);
    expect(edgeLines(text)).to.have.members(['j2 --> j1', 'j1 --> j2']);
  });
});
