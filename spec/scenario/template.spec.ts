import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';

import type { LoadedScenario, ParseScenarioOptions } from '../../lib/scenario/load.js';
import { loadScenario, parseScenario } from '../../lib/scenario/load.js';
import { formatProblems } from '../../lib/scenario/problems.js';
import { readVarsFile } from '../../lib/scenario/template/vars-file.js';
import { commandsOf } from '../helpers/scenario-jobs.js';

const apssh = path.join(import.meta.dirname, 'fixtures', 'apssh');
const fixture = (name: string): string => path.join(apssh, name);

const varsOf = (name: string): Record<string, unknown> => {
  const read = readVarsFile(fixture(name));
  if (E.isLeft(read)) expect.fail(formatProblems(read.left));
  return read.right;
};

const parsed = (text: string, options: ParseScenarioOptions = {}): LoadedScenario => {
  const result = parseScenario(text, 'test.yaml.j2', { dir: apssh, cwd: apssh, ...options });
  if (E.isLeft(result)) expect.fail(formatProblems(result.left));
  return result.right;
};

const problemsOf = (text: string, options: ParseScenarioOptions = {}): string[] => {
  const result = parseScenario(text, 'test.yaml.j2', { dir: apssh, cwd: apssh, ...options });
  if (E.isRight(result)) expect.fail('expected problems, got a scenario');
  return formatProblems(result.left).split('\n');
};

const NODE = 'nodes: [{id: here, local: true}]\n';

describe('.j2 scenario files (templates rendered with nunjucks before their YAML is read)', () => {
  it('renders a loader2-like template with --vars values: loops over a mapping, join, attributes', () => {
    const result = loadScenario(fixture('like-loader2.yaml.j2'), {
      cwd: apssh,
      templateValues: varsOf('like-loader2.vars.yaml'),
    });
    if (E.isLeft(result)) expect.fail(formatProblems(result.left));
    const { spec } = result.right;
    expect(spec.nodes).to.deep.equal([
      { id: 'gw', hostname: 'gw.example.org' },
      { id: 'amf', hostname: 'fit01', gateway: 'gw' },
      { id: 'gnb', hostname: 'fit02', gateway: 'gw' },
    ]);
    expect(spec.jobs.map((j) => [j.id, j.label, j.requires])).to.deep.equal([
      ['hello', 'greet amf, gnb', undefined],
      ['run_amf', undefined, ['hello']],
      ['run_gnb', undefined, ['hello']],
      ['files', undefined, ['run_amf', 'run_gnb']],
    ]);
    // names that the template does not give are written back as {{ name }}: a built-in and a capture here
    expect(commandsOf(spec.jobs[1])[1]).to.deep.equal({
      type: 'Run',
      command: 'echo amf is {{ hostname }} after {{ greeting }}',
    });
    expect(commandsOf(spec.jobs[3])[3]).to.deep.include({ args: ['oai5g', 'fit01', 'fit02'] });
  });

  it('gives --vars values their YAML types and --var values over them as strings', () => {
    const text = `${NODE}jobs: [{id: a, node: here, commands: ['{% if verbose %}echo loud{% else %}echo quiet{% endif %} {{ sizes | sum }}']}]\n`;
    const command = (options: ParseScenarioOptions) => commandsOf(parsed(text, options).spec.jobs[0])[0];
    expect(command({ templateValues: { verbose: false, sizes: [1, 2] } })).to.deep.equal({
      type: 'Run',
      command: 'echo quiet 3',
    });
    // a string is true in a test, even "false": as in Jinja
    expect(
      command({ templateValues: { verbose: false, sizes: [1, 2] }, variables: { verbose: 'false' } }),
    ).to.deep.equal({
      type: 'Run',
      command: 'echo loud 3',
    });
  });

  it('leaves undefined names to the scenario: a check error at the template line names the field', () => {
    const text = `${NODE.replace('{id: here, local: true}', "{id: n, hostname: '{{ target }}'}")}jobs: [{id: a, node: n, commands: [echo]}]\n`;
    expect(problemsOf(text)).to.deep.equal([
      'test.yaml.j2:1:27: nodes[0].hostname: {{target}} in hostname of node "n" is not defined: no variable ' +
        "(global, the node's, or node, hostname, username) gives it: define it under variables, or on the " +
        'command line with rxjobs run --var target=VALUE (rendered line 2)',
    ]);
    expect(parsed(text, { variables: { target: 'example.org' } }).spec.nodes[0]).to.deep.include({
      hostname: 'example.org',
    });
  });

  it('maps problems found after rendering back to the loop body that made them', () => {
    const result = loadScenario(fixture('bad-loop.yaml.j2'), {
      cwd: apssh,
      templateValues: { names: ['a', 'b'] },
    });
    if (E.isRight(result)) expect.fail('expected problems');
    const at = (line: number, column: number) =>
      `${fixture('bad-loop.yaml.j2')}:${String(line)}:${String(column)}`;
    expect(formatProblems(result.left).split('\n')).to.deep.equal([
      `${at(8, 15)}: jobs[0].critical: expected true or false (rendered line 9)`,
      `${at(8, 15)}: jobs[1].critical: expected true or false (rendered line 15)`,
      `${at(9, 16)}: jobs[0].required[0]: unknown job "job_a_before" (jobs: job_a, job_b) (rendered line 10)`,
      `${at(9, 16)}: jobs[1].required[0]: unknown job "job_b_before" (jobs: job_a, job_b) (rendered line 16)`,
    ]);
  });

  it("reports the template engine's errors at the template's line and column", () => {
    const job = (body: string) => `${NODE}jobs:\n  - id: a\n    node: here\n    commands: [${body}]\n`;
    expect(problemsOf(job("'echo {{ nodes.amf }}'"))).to.deep.equal([
      "test.yaml.j2:5:25: template: 'nodes' is undefined: give it a value with --var or --vars",
    ]);
    expect(problemsOf(job("'echo {{ x | nosuchfilter }}'"))).to.deep.equal([
      'test.yaml.j2:5:29: template: filter not found: nosuchfilter',
    ]);
    expect(problemsOf(job("'echo {% if %}'"))).to.deep.equal([
      'test.yaml.j2:5:28: template: unexpected token: %}',
    ]);
    expect(problemsOf(`${job('echo')}{% for x in y %}\n`)).to.deep.equal([
      'test.yaml.j2:6:1: template: unexpected end of file',
    ]);
  });

  it("makes a member that a value lacks a problem at its place, not empty text (foo.bar, foo['bar'])", () => {
    const job = (body: string) => `${NODE}jobs:\n  - id: a\n    node: here\n    commands: ['echo ${body}']\n`;
    const missing = (text: string, owner: string, key: string) =>
      `template: '${text}' is undefined: ${owner} has no member "${key}"; give it one with --vars FILE, or ` +
      `write ${text} | default(...)`;
    expect(problemsOf(job('{{ foo.bar }}'), { variables: { foo: '1' } })).to.deep.equal([
      `test.yaml.j2:5:25: ${missing('foo.bar', 'foo', 'bar')}`,
    ]);
    expect(problemsOf(job("x {{ foo['bar'] }}"), { templateValues: { foo: {} } })).to.deep.equal([
      `test.yaml.j2:5:27: ${missing('foo.bar', 'foo', 'bar')}`,
    ]);
    expect(problemsOf(job('{{ foo.bar.baz }}'), { templateValues: { foo: {} } })).to.deep.equal([
      `test.yaml.j2:5:25: ${missing('foo.bar', 'foo', 'bar')}`,
    ]);
    expect(problemsOf(job('{{ foo.bar.baz }}'), { templateValues: { foo: { bar: 2 } } })).to.deep.equal([
      `test.yaml.j2:5:25: ${missing('foo.bar.baz', 'foo.bar', 'baz')}`,
    ]);
    expect(problemsOf(job('{{ foo.nosuch() }}'), { templateValues: { foo: {} } })).to.deep.equal([
      `test.yaml.j2:5:25: ${missing('foo.nosuch', 'foo', 'nosuch')}`,
    ]);
    expect(problemsOf(job('{{ foo.a() }}'), { templateValues: { foo: { a: 3 } } })).to.deep.equal([
      'test.yaml.j2:5:25: template: foo.a is not a function: it cannot be called',
    ]);
    // an undefined name: as before, its member is a problem, and the name alone is left to the scenario
    expect(problemsOf(job('{{ foo.bar }}'))).to.deep.equal([
      "test.yaml.j2:5:25: template: 'foo' is undefined: give it a value with --var or --vars",
    ]);
    const values = { templateValues: { foo: { bar: { baz: 'z' } }, l: ['p', 'q'], k: 'bar' } };
    expect(
      commandsOf(parsed(job('{{ foo.bar.baz }} {{ foo[k].baz }} {{ l[1] }}'), values).spec.jobs[0]),
    ).to.deep.equal([{ type: 'Run', command: 'echo z z q' }]);
  });

  it('makes an undefined name or member false in a test, not defined, and replaced by default(), as Jinja does', () => {
    const job = (body: string) => `${NODE}jobs: [{id: a, node: here, commands: ['echo ${body}']}]\n`;
    const tests =
      '{% if foo %}a{% else %}b{% endif %}{% if foo is defined %}c{% else %}d{% endif %}{% if not foo %}e{% endif %}' +
      "-{{ foo | default('x') }}-{{ foo or 'y' }}-{{ 1 if foo else 2 }}-{% for i in foo %}i{% else %}none{% endfor %}" +
      "-{% if 'v' in foo %}in{% else %}out{% endif %}";
    const command = (text: string, options: ParseScenarioOptions) =>
      (commandsOf(parsed(job(text), options).spec.jobs[0])[0] as { command: string }).command;
    expect(command(tests, {})).to.equal('echo bde-x-y-2-none-out');
    expect(command(tests, { templateValues: { foo: ['v'] } })).to.equal('echo ac-v-v-1-i-in');
    const members = tests.replace(/\bfoo\b/g, 'foo.bar');
    expect(command(members, { templateValues: { foo: {} } })).to.equal('echo bde-x-y-2-none-out');
    expect(command(members, { templateValues: { foo: 'text' } })).to.equal('echo bde-x-y-2-none-out');
    expect(command(members, { templateValues: { foo: { bar: ['v'] } } })).to.equal('echo ac-v-v-1-i-in');
    expect(command("{{ foo == 'x' }} {{ foo is undefined }} {{ foo != 'x' }}", {})).to.equal(
      'echo false true true',
    );
  });

  it('runs no code, reads no other file and bounds range(), even for --dry-run: a problem at its line', () => {
    const job = (body: string) => `${NODE}jobs:\n  - id: a\n    node: here\n    commands: [${body}]\n`;
    const marker = path.join(os.tmpdir(), `rxjobs-template-ran-${String(process.pid)}`);
    const code = `process.getBuiltinModule('fs').writeFileSync('${marker}', 'x'); return 1`;
    expect(problemsOf(job(`'echo {{ "".constructor.constructor("${code}")() }}'`))).to.deep.equal([
      'test.yaml.j2:5:27: template: .constructor is not allowed in a scenario template (it could run code)',
    ]);
    expect(existsSync(marker), 'the template ran code').to.equal(false);
    expect(problemsOf(job("'echo {{ range.call }}'"))[0]).to.match(/\.call is not allowed/);
    expect(problemsOf(job('\'echo {% include "/etc/passwd" %}\''))).to.deep.equal([
      'test.yaml.j2:5:25: template: {% include %} is not supported: a scenario template is one file',
    ]);
    expect(problemsOf(`${NODE}jobs: [{% for i in range(1000000000) %}{% endfor %}]\n`)).to.deep.equal([
      'test.yaml.j2:2:25: template: range() of 1000000000 numbers: at most 100000 are allowed',
    ]);
    expect(commandsOf(parsed(job("'echo {{ range(2, 5) | join }}'")).spec.jobs[0])).to.deep.equal([
      { type: 'Run', command: 'echo 234' },
    ]);
  });

  it('renders with autoescape off, keeps {%- trimming and the lines, and hands the rendered text over', () => {
    let rendered = '';
    const text = [
      NODE.trimEnd(),
      'jobs:',
      '  {%- for i in [1, 2] %}',
      '  - {id: j{{ i }}, node: here, commands: [\'echo "<{{ i }}> & more"\']}',
      '  {%- endfor %}',
      '  - {id: last, node: here, commands: [echo], requires: nope}',
      '',
    ].join('\n');
    const result = parseScenario(text, 'test.yaml.j2', {
      dir: apssh,
      onRendered: (t) => {
        rendered = t;
      },
    });
    if (E.isRight(result)) expect.fail('expected problems');
    expect(rendered).to.equal(
      [
        '# rendered from test.yaml.j2 by rxjobs: edit that file, not this one',
        NODE.trimEnd(),
        'jobs:',
        '  - {id: j1, node: here, commands: [\'echo "<1> & more"\']}',
        '  - {id: j2, node: here, commands: [\'echo "<2> & more"\']}',
        '  - {id: last, node: here, commands: [echo], requires: nope}',
        '',
      ].join('\n'),
    );
    expect(formatProblems(result.left)).to.equal(
      'test.yaml.j2:6:56: jobs[2].requires: unknown job "nope" (jobs: j1, j2, last) (rendered line 6)',
    );
  });

  it('reads --vars files: a mapping of names, or a problem naming the file', () => {
    expect(varsOf('like-loader2.vars.yaml')).to.deep.include({
      nodes: { amf: 'fit01', gnb: 'fit02' },
      verbose: true,
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rxjobs-vars-file-'));
    try {
      const file = path.join(dir, 'list.yaml');
      writeFileSync(file, '[1, 2]\n');
      const list = readVarsFile(file);
      if (E.isRight(list)) expect.fail('expected a problem');
      expect(formatProblems(list.left)).to.equal(
        `${file}: --vars expects a mapping from names to values (name: value)`,
      );
      writeFileSync(file, '1x: 2\n');
      const name = readVarsFile(file);
      if (E.isRight(name)) expect.fail('expected a problem');
      expect(formatProblems(name.left)).to.match(/list\.yaml: 1x: not a variable name/);
      // aliases: many uses of one anchor are read, a "billion laughs" is refused at its alias
      const common = 'common: &c {user: root, port: 22}\n';
      writeFileSync(file, common + Array.from({ length: 200 }, (_, i) => `n${String(i)}: *c\n`).join(''));
      const many = readVarsFile(file);
      if (E.isLeft(many)) expect.fail(formatProblems(many.left));
      expect(many.right['n199']).to.deep.equal({ user: 'root', port: 22 });
      const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
      for (const [prev, next] of 'abcdefgh'
        .split('')
        .map((c) => [c, String.fromCharCode(c.charCodeAt(0) + 1)]))
        levels.push(
          `${String(next)}: &${String(next)} [${Array(9)
            .fill(`*${String(prev)}`)
            .join(', ')}]`,
        );
      writeFileSync(file, `${levels.join('\n')}\n`);
      const bomb = readVarsFile(file);
      if (E.isRight(bomb)) expect.fail('expected a problem');
      expect(formatProblems(bomb.left)).to.match(
        /list\.yaml:7:8: \*f: with this alias, the file's aliases would copy more than 1000000 nodes/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const script = readVarsFile(fixture('scripts/show-args.sh'));
    if (E.isRight(script)) expect.fail('expected a problem');
    expect(formatProblems(script.left)).to.match(/show-args\.sh:4:1: Implicit map keys/);
    const missing = readVarsFile(fixture('none.yaml'));
    if (E.isRight(missing)) expect.fail('expected a problem');
    expect(formatProblems(missing.left)).to.equal(`${fixture('none.yaml')}: file not found (--vars)`);
  });
});
