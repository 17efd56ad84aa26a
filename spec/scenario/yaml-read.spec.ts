import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import { CORE_SCHEMA, load, mergeTag } from 'js-yaml';
import { parseDocument } from 'yaml';

import { parseScenario } from '../../lib/scenario/load.js';
import type { ScenarioProblem } from '../../lib/scenario/problems.js';
import type { YamlRead } from '../../lib/scenario/yaml-read.js';
import { readYaml } from '../../lib/scenario/yaml-read.js';

/** What the scenario files were read with before the fast path. */
const yamlData = (text: string): unknown => parseDocument(text, { merge: true }).toJS();
/** js-yaml on its own, with its own core schema and merge keys. */
const jsYamlData = (text: string): unknown => load(text, { schema: CORE_SCHEMA.withTags(mergeTag) });

const read = (text: string): YamlRead => {
  const result = readYaml(text, 'test.yaml');
  if (E.isLeft(result)) expect.fail(JSON.stringify(result.left));
  return result.right;
};
const problems = (text: string): ScenarioProblem[] => {
  const result = readYaml(text, 'test.yaml');
  if (E.isRight(result)) expect.fail(`expected problems, got ${JSON.stringify(result.right.data)}`);
  return result.left;
};

/** Reads `text` through js-yaml (not the fallback), and gets what `yaml` gets. */
const agrees = (text: string): void => {
  const got = read(text);
  expect(got.parser, text).to.equal('js-yaml');
  expect(got.data, text).to.deep.equal(yamlData(text));
};

const SCALARS = [
  ...['yes', 'no', 'on', 'off', 'y', 'n', 'Yes', 'ON', 'True', 'TRUE', 'true', 'tRue', 'False', 'false'],
  ...['null', 'Null', 'NULL', '~', '', 'nUll', 'None'],
  ...['2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '12:30', '190:20:30'],
  ...['017', '0o17', '0O17', '0o8', '0x1F', '0X1F', '0xff', '+0x1F', '0b101', '1_000', '1,000', '00', '09'],
  ...['+1', '-1', '+0', '-0', '12345678901234567890', '9007199254740993'],
  ...[
    '1.',
    '.5',
    '-.5',
    '+.5',
    '1.0',
    '1.50',
    '-0.0',
    '1e3',
    '1E3',
    '1.5e-3',
    '.5e3',
    '0.1e+2',
    '1e',
    '1.2.3',
  ],
  ...['.inf', '+.inf', '-.inf', '.Inf', '.INF', '.NaN', '.nan', '.NAN', 'nan', 'inf', 'Infinity'],
  ...['=', '<<', '0x', '0o', '+', '.', "'017'", '"true"', "'~'", '"1e3"', 'a b', 'a: b'.replace(': ', ':')],
];

describe('readYaml', () => {
  it('reads every plain scalar as yaml 1.2 core does (yes/on are strings, dates strings, 017 is 17)', () => {
    for (const s of SCALARS) agrees(`v: ${s}\n`);
    for (const s of SCALARS.filter((x) => x !== '')) agrees(`- ${s}\n`);
    expect(
      read('a: yes\nb: on\nc: 2001-12-14\nd: 017\ne: 0o17\nf: 0x1F\ng: .NaN\nh: ~\n').data,
    ).to.deep.equal({
      a: 'yes',
      b: 'on',
      c: '2001-12-14',
      d: 17,
      e: 15,
      f: 31,
      g: NaN,
      h: null,
    });
  });

  it('reads keys as yaml does: null keys are "", numbers and booleans their text', () => {
    for (const key of ['1', '1.5', '0x10', 'true', 'null', '~', '""', "'a b'", '1e400', '.inf'])
      agrees(`${key}: v\n`);
    agrees(': v\n');
  });

  it('pins the scalars where js-yaml alone differs from yaml, and reads them as yaml', () => {
    // js-yaml keeps a float too big for a double as a string, yaml makes it Infinity
    expect(jsYamlData('a: 1e400\nb: -1e400\n')).to.deep.equal({ a: '1e400', b: '-1e400' });
    expect(yamlData('a: 1e400\nb: -1e400\n')).to.deep.equal({ a: Infinity, b: -Infinity });
    expect(read('a: 1e400\nb: -1e400\n').data).to.deep.equal({ a: Infinity, b: -Infinity });
    // a null key: js-yaml writes "null", yaml ""
    for (const text of ['null: a\n', '~: a\n', ': a\n']) {
      expect(jsYamlData(text), text).to.deep.equal({ null: 'a' });
      expect(yamlData(text), text).to.deep.equal({ '': 'a' });
      expect(read(text).data, text).to.deep.equal({ '': 'a' });
    }
  });

  it('reads structures, anchors and merge keys (<<) as yaml does', () => {
    const texts = [
      'nodes:\n  - {id: a, hostname: h1}\n  - id: b\n    hostname: h2\n    keys: [k1, k2]\n',
      'a: &x {p: 1, q: 2}\nb: {<<: *x, q: 3}\n',
      'a: &x {p: 1}\nb: &y {p: 2, q: 2}\nc: {<<: [*x, *y], r: 3}\n',
      'a: &x {p: 1}\nb:\n  p: 9\n  <<: *x\n',
      "b: {'<<': {a: 1}}\n",
      'a: &a 1\nb: *a\nc: [*a, *a]\n',
      'a: &x [1, 2]\nb: *x\n',
      'a: &x\n  b: &y 1\n  c: *y\nd: *x\n',
      'a: &x 1\nb: &x 2\nc: *x\n',
      'a: |\n  x\n  y\nb: >-\n  x\n  y\nc: |+\n  z\n\n',
      "a: \"\\t\\x41\\u00e9\"\nb: 'it''s'\nc: x # comment\nd: x#y\n",
      '__proto__: {x: 1}\nconstructor: 1\ntoString: x\n',
      '- [a, b, {c: d}]\n- - e\n  - f\n',
      '\ufeffa: 1\r\nb: 2\r\n',
      '---\na: 1\n...\n',
      'a: {b: c, }\nd: [1, 2,]\n',
    ];
    for (const text of texts) agrees(text);
  });

  it('lets yaml read what js-yaml would read otherwise: directives, explicit tags, keys js-yaml merges', () => {
    const viaYaml = (text: string, data: unknown) => {
      const got = read(text);
      expect(got.parser, text).to.equal('yaml');
      expect(got.data, text).to.deep.equal(data);
    };
    viaYaml('%YAML 1.1\n---\na: yes\n', { a: true }); // YAML 1.1: yes is true
    viaYaml('a: !!str 1\nb: !!int "3"\n', { a: '1', b: 3 });
    viaYaml('1: a\n"1": b\n', { 1: 'b' });
    viaYaml('', null);
    // an implicit key over 1024 characters: js-yaml takes it, yaml refuses it
    const long = `${'k'.repeat(1100)}: v\n`;
    expect(jsYamlData(long)).to.deep.equal({ ['k'.repeat(1100)]: 'v' });
    expect(problems(long).map((p) => [p.line, p.column, p.message])).to.deep.equal([
      [1, 1, 'The : indicator must be at most 1024 chars after the start of an implicit block mapping key'],
    ]);
    agrees(`a: ${'v'.repeat(1100)}\n${'k'.repeat(900)}: v\n`);
    expect(problems('a: !!float 1\n')).to.deep.equal([
      { file: 'test.yaml', path: '', line: 1, column: 4, message: 'Unresolved tag: tag:yaml.org,2002:float' },
    ]);
  });

  it('reports syntax errors with their line and column, as yaml does', () => {
    expect(problems('a: 1\nb: [1, 2\n')).to.deep.equal([
      {
        file: 'test.yaml',
        path: '',
        line: 3,
        column: 1,
        message: 'Flow sequence in block collection must be sufficiently indented and end with a ]',
      },
    ]);
    expect(problems('jobs:\n  - id: a\n   node: b\n').map((p) => [p.line, p.column])).to.deep.equal(
      problemsOfYaml('jobs:\n  - id: a\n   node: b\n'),
    );
    expect(problems('a: "open\n').map((p) => p.message)).to.deep.equal(['Missing closing "quote']);
    expect(problems('---\na: 1\n---\nb: 2\n').map((p) => p.message)[0]).to.match(/multiple documents/);
  });

  it('reports a duplicate key with its place', () => {
    expect(problems('a: 1\nb:\n  c: 2\n  c: 3\n')).to.deep.equal([
      { file: 'test.yaml', path: '', line: 4, column: 3, message: 'Map keys must be unique' },
    ]);
  });

  it('refuses an alias bomb (a "billion laughs") quickly, at the alias past the budget, in both parsers', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array.from({ length: 9 }, () => `*${prev}`).join(', ')}]`);
    }
    const bomb = `${levels.join('\n')}\n`;
    // a copies 10 nodes, b 91, c 820, d 7381, e 66430, f 597871: the a..e aliases copy 672588, the first *f more
    const expected = {
      file: 'test.yaml',
      path: '',
      line: 7,
      column: 8,
      message:
        "*f: with this alias, the file's aliases would copy more than 1000000 nodes (an alias copies the " +
        'whole node that its anchor &f names, the aliases inside it included): alias less deeply, or write ' +
        'the repeated part out',
    };
    const started = performance.now();
    expect(problems(bomb)).to.deep.equal([expected]);
    // an explicit tag makes `yaml` read the file: it refuses it at the same alias
    expect(problems(`${bomb}z: !!str x\n`)).to.deep.equal([expected]);
    expect(performance.now() - started).to.be.below(1000);
    // at most 1 000 000 copied nodes: a list of 1000 nodes may be aliased 1000 times, not 1001
    const uses = (n: number, tail = '') =>
      `a: &a [${Array.from({ length: 999 }, (_, i) => i).join(', ')}]\n` +
      `b: [${Array.from({ length: n }, () => '*a').join(', ')}]\n${tail}`;
    expect(read(uses(1000)).parser).to.equal('js-yaml');
    expect(read(uses(1000, 'z: !!str x\n')).parser).to.equal('yaml');
    const over = { line: 2, column: 5 + 4 * 1000 };
    expect(problems(uses(1001))[0]).to.deep.include(over);
    expect(problems(uses(1001, 'z: !!str x\n'))[0]).to.deep.include(over);
  });

  it('reads a testbed file that uses one anchor on each of hundreds of nodes and jobs', () => {
    const nodes = Array.from(
      { length: 300 },
      (_, i) => `  - { id: n${String(i)}, hostname: h${String(i)}, <<: *c }`,
    );
    const jobs = Array.from(
      { length: 300 },
      (_, i) => `  - { id: j${String(i)}, node: n${String(i)}, commands: *cmds }`,
    );
    const text =
      'x-common: &c { username: root, port: 22 }\nx-commands: &cmds [uname -a, hostname]\n' +
      `nodes:\n${nodes.join('\n')}\njobs:\n${jobs.join('\n')}\n`;
    const all = parseDocument(text, { merge: true }).toJS({ maxAliasCount: -1 }) as {
      nodes: unknown[];
      jobs: unknown[];
    };
    expect(all.nodes[299]).to.deep.equal({ id: 'n299', hostname: 'h299', username: 'root', port: 22 });
    const got = read(text);
    expect(got.parser).to.equal('js-yaml');
    expect(got.data).to.deep.equal(all);
    const slowly = read(`${text}z: !!str x\n`);
    expect(slowly.parser).to.equal('yaml');
    expect(slowly.data).to.deep.equal({ ...all, z: 'x' });
  });

  it('locates a path in the file only when asked, in the fast path too', () => {
    const got = read('nodes:\n  - id: a\n    hostname: h\njobs:\n  - {id: j, node: a, commands: [x]}\n');
    expect(got.parser).to.equal('js-yaml');
    expect(got.locate(['jobs', 0, 'node'], 'value')).to.deep.equal({ line: 5, column: 19 });
    expect(got.locate(['nodes', 0, 'hostname'], 'key')).to.deep.equal({ line: 3, column: 5 });
    expect(got.locate(['nodes', 0, 'port'], 'value')).to.deep.equal({ line: 2, column: 5 });
  });

  it('gives parseScenario the same problems, located, on a file read by js-yaml', () => {
    const result = parseScenario(
      'nodes: [{id: here, local: true}]\njobs:\n  - id: a\n    node: hare\n    commands: [echo]\n',
      'test.yaml',
    );
    if (E.isRight(result)) expect.fail('expected problems');
    expect(result.left).to.deep.equal([
      {
        file: 'test.yaml',
        path: 'jobs[0].node',
        line: 4,
        column: 11,
        message: 'unknown node "hare" (did you mean "here"?)',
      },
    ]);
  });
});

/** The lines and columns of yaml's syntax errors. */
function problemsOfYaml(text: string): [number, number][] {
  const doc = parseDocument(text, { prettyErrors: true });
  return doc.errors.map((e) => [e.linePos?.[0].line ?? 0, e.linePos?.[0].col ?? 0]);
}
