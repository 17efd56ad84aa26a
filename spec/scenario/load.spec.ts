import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';

import type { LoadedScenario } from '../../lib/scenario/load.js';
import { loadScenario, parseScenario } from '../../lib/scenario/load.js';
import type { ScenarioProblem } from '../../lib/scenario/problems.js';
import { formatProblems } from '../../lib/scenario/problems.js';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const fixture = (name: string): string => path.join(fixtures, name);

/** The problems of a scenario text (its local paths relative to the fixtures), as formatted lines. */
const problems = (text: string): string[] => {
  const result = parseScenario(text, 'test.yaml', { dir: fixtures });
  if (E.isRight(result)) expect.fail('expected problems, got a scenario');
  return formatProblems(result.left).split('\n');
};

const loaded = (text: string): LoadedScenario => {
  const result = parseScenario(text, 'test.yaml', { dir: fixtures });
  if (E.isLeft(result)) expect.fail(formatProblems(result.left));
  return result.right;
};

const HERE = 'nodes: [{id: here, local: true}]\n';

describe('loadScenario', () => {
  it('reports every problem of a file at once, sorted by line, with its path, line and column', () => {
    const file = fixture('many-problems.yaml');
    const result = loadScenario(file);
    if (E.isRight(result)) expect.fail('expected problems');
    const at = (line: number, column: number) => `${file}:${String(line)}:${String(column)}`;
    expect(formatProblems(result.left).split('\n')).to.deep.equal([
      `${at(2, 3)}: scheduler.window: unknown key (accepted: label, timeout, jobsWindow, critical, shutdownTimeout, cleanupTimeout)`,
      `${at(3, 12)}: scheduler.timeout: expected a duration in seconds (a number, 0 or more)`,
      `${at(5, 3)}: variables.node: "node" is a built-in variable, which the scenario cannot set`,
      `${at(6, 3)}: variables["bad name"]: not a variable name (letters, digits and "_", not starting with a digit)`,
      `${at(10, 14)}: nodes[0].gateway: the gateways form a cycle: gw -> fit -> gw`,
      `${at(14, 11)}: nodes[1].port: expected a whole number from 1 to 65535`,
      `${at(17, 5)}: nodes[2].username: unknown key (accepted: id, local, label, shell, variables)`,
      `${at(18, 9)}: nodes[3].id: duplicate node id "gw" (also nodes[0])`,
      `${at(22, 11)}: jobs[0].node: unknown node "gx" (did you mean "gw"?)`,
      `${at(23, 5)}: jobs[0].requries: unknown key, did you mean requires? (accepted: id, node, commands, requires, label, critical, forever, timeout, runIf, retries, maxFailures, memberTimeout, ignoreUnreachable, skipFailedMembers, jobsWindow)`,
      `${at(25, 15)}: jobs[0].commands[0].type: expected one of Run, RunScript, RunString, Push, Pull`,
      `${at(28, 17)}: jobs[0].commands[1].script: file not found: ${fixture('missing.sh')}`,
      `${at(29, 9)}: jobs[0].commands[2].command: missing (a Run needs a command, or an argv)`,
      `${at(32, 15)}: jobs[1].requires: the requirements form a cycle: b -> c -> b (each job requires the one before it)`,
      `${at(32, 19)}: jobs[1].requires[1]: unknown job "zz" (jobs: a, b, c)`,
      `${at(33, 14)}: jobs[1].timeout: expected a duration in seconds (a number, 0 or more)`,
      `${at(34, 15)}: jobs[1].commands: expected a non-empty list of commands`,
      `${at(40, 51)}: jobs[2].commands[1].localPaths[1]: file not found: ${fixture('conf/nope.conf')}`,
      `${at(43, 18)}: jobs[2].commands[2].capture: "node" is a variable of node "here" replaced before the run: a capture cannot change it`,
    ]);
    const first = result.left[0] as ScenarioProblem;
    expect(first).to.deep.equal({
      file,
      path: 'scheduler.window',
      line: 2,
      column: 3,
      message:
        'unknown key (accepted: label, timeout, jobsWindow, critical, shutdownTimeout, cleanupTimeout)',
    });
  });

  it('loads a valid file, its directory as the base of local paths', () => {
    const previous = process.env['HOME'];
    process.env['HOME'] = path.join(fixtures, 'conf'); // keys: [~/id_test] must exist
    try {
      const result = loadScenario(fixture('valid.yaml'));
      if (E.isLeft(result)) expect.fail(formatProblems(result.left));
      expect(result.right.dir).to.equal(fixtures);
      expect(result.right.spec.nodes.map((n) => n.id)).to.deep.equal(['gw', 'fit01', 'here']);
    } finally {
      process.env['HOME'] = previous;
    }
  });

  it('reports a file it cannot read', () => {
    const result = loadScenario(fixture('no-such.yaml'));
    expect(result).to.deep.equal(
      E.left([{ file: fixture('no-such.yaml'), path: '', message: 'file not found' }]),
    );
  });
});

describe('parseScenario', () => {
  it('reports YAML syntax errors with their line and column, and nothing else', () => {
    expect(problems('nodes:\n  - id: a\n    hostname: [x\njobs: 3\n')).to.deep.equal([
      'test.yaml:4:1: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
    expect(problems('nodes: []\nnodes: []\n')).to.deep.equal(['test.yaml:2:1: Map keys must be unique']);
    expect(problems('a: "open\n')).to.deep.equal(['test.yaml:2:1: Missing closing "quote']);
  });

  it('reports a file that is not a mapping, or is empty', () => {
    expect(problems('- 1\n- 2\n')).to.deep.equal([
      'test.yaml:1:1: expected a scenario (a mapping with nodes and jobs)',
    ]);
    expect(problems('')).to.deep.equal(['test.yaml: expected a scenario (a mapping with nodes and jobs)']);
  });

  it('reports missing required keys at the mapping that misses them', () => {
    expect(problems('variables: {}\n')).to.deep.equal([
      'test.yaml:1:1: nodes: missing (expected a non-empty list of nodes (or a map from ids to nodes))',
      'test.yaml:1:1: jobs: missing (expected a non-empty list of jobs (or a map from ids to jobs))',
    ]);
    expect(problems(`${HERE}jobs:\n  - id: j\n    commands: [ls]\n`)).to.deep.equal([
      'test.yaml:3:5: jobs[0].node: missing (expected a node id)',
    ]);
  });

  it('reports unknown keys at the key, with a suggestion and the accepted keys', () => {
    expect(
      problems(`${HERE}jobs:\n  - id: j\n    node: here\n    commands:\n      - {type: Run, comand: ls}\n`),
    ).to.deep.equal([
      'test.yaml:6:21: jobs[0].commands[0].comand: unknown key, did you mean command? (accepted: type, command, argv, args, label, capture, allowedExits, env, pty, stdin)',
    ]);
    expect(problems(`${HERE}jobs: [{id: j, node: here, commands: [ls]}]\nextra: 1\n`)).to.deep.equal([
      'test.yaml:3:1: extra: unknown key (accepted: nodes, jobs, scheduler, variables)',
    ]);
  });

  it('checks a command against its own type only, and says which types exist', () => {
    const lines = problems(
      `${HERE}jobs:\n  - id: j\n    node: here\n    commands:\n` +
        '      - {type: Service, command: x}\n' +
        '      - {command: ls}\n' +
        '      - {type: Push, localPaths: [], remoteDir: 3}\n' +
        '      - {type: Run, command: ls, argv: [ls]}\n' +
        '      - 42\n',
    );
    expect(lines).to.deep.equal([
      'test.yaml:6:16: jobs[0].commands[0].type: expected one of Run, RunScript, RunString, Push, Pull',
      'test.yaml:7:9: jobs[0].commands[1].type: missing (expected one of Run, RunScript, RunString, Push, Pull)',
      'test.yaml:8:34: jobs[0].commands[2].localPaths: expected a file path or a non-empty list of file paths',
      'test.yaml:8:49: jobs[0].commands[2].remoteDir: expected a non-empty string',
      'test.yaml:9:34: jobs[0].commands[3].argv: not allowed with command: give one of them',
      'test.yaml:10:9: jobs[0].commands[4]: expected a command line or a command mapping (with a type)',
    ]);
  });

  it('refuses negative, infinite and non-numeric durations', () => {
    const job = (timeout: string) =>
      problems(`${HERE}jobs: [{id: j, node: here, commands: [ls], timeout: ${timeout}}]\n`);
    for (const bad of ['-1', '.inf', '.nan', '"10"', 'null'])
      expect(job(bad), bad).to.deep.equal([
        'test.yaml:2:53: jobs[0].timeout: expected a duration in seconds (a number, 0 or more)',
      ]);
    expect(
      loaded(`${HERE}jobs: [{id: j, node: here, commands: [ls], timeout: 0}]\n`).spec.jobs[0]?.timeout,
    ).to.equal(0);
  });

  it('reports unknown node and job ids, naming them', () => {
    expect(
      problems(
        `${HERE}jobs:\n  - {id: a, node: there, commands: [ls]}\n  - {id: b, node: here, requires: [a, c], commands: [ls]}\n`,
      ),
    ).to.deep.equal([
      'test.yaml:3:19: jobs[0].node: unknown node "there" (did you mean "here"?)',
      'test.yaml:4:39: jobs[1].requires[1]: unknown job "c" (jobs: a, b)',
    ]);
  });

  it('takes requirements in any order in the file', () => {
    const scenario = loaded(
      `${HERE}jobs:\n  - {id: last, node: here, requires: [first, middle], commands: [ls]}\n` +
        '  - {id: middle, node: here, requires: first, commands: [ls]}\n  - {id: first, node: here, commands: [ls]}\n',
    );
    expect(scenario.spec.jobs.map((j) => [j.id, j.requires])).to.deep.equal([
      ['last', ['first', 'middle']],
      ['middle', ['first']],
      ['first', undefined],
    ]);
  });

  it('reports requirement cycles, as found by the scheduler, each at its first job', () => {
    expect(
      problems(
        `${HERE}jobs:\n  - {id: a, node: here, requires: c, commands: [ls]}\n` +
          '  - {id: b, node: here, requires: a, commands: [ls]}\n  - {id: c, node: here, requires: b, commands: [ls]}\n' +
          '  - {id: d, node: here, requires: d, commands: [ls]}\n',
      ),
    ).to.deep.equal([
      'test.yaml:3:35: jobs[0].requires: the requirements form a cycle: a -> b -> c -> a (each job requires the one before it)',
      'test.yaml:6:35: jobs[3].requires: the requirements form a cycle: d -> d (each job requires the one before it)',
    ]);
  });

  it('reports gateway cycles, unknown gateways and local gateways', () => {
    expect(
      problems(
        'nodes:\n  - {id: a, hostname: a, gateway: c}\n  - {id: b, hostname: b, gateway: a}\n' +
          '  - {id: c, hostname: c, gateway: b}\n  - {id: d, hostname: d, gateway: d}\n' +
          '  - {id: e, hostname: e, gateway: here}\n  - {id: f, hostname: f, gateway: nowhere}\n' +
          '  - {id: here, local: true}\njobs: [{id: j, node: a, commands: [ls]}]\n',
      ),
    ).to.deep.equal([
      'test.yaml:2:35: nodes[0].gateway: the gateways form a cycle: a -> b -> c -> a',
      'test.yaml:5:35: nodes[3].gateway: the gateways form a cycle: d -> d',
      'test.yaml:6:35: nodes[4].gateway: "here" is a local node: a gateway must be an SSH node',
      'test.yaml:7:35: nodes[5].gateway: unknown node "nowhere" (nodes: a, b, c, d, e, f, here)',
    ]);
  });

  it('reports a node that is both local and remote, or neither', () => {
    expect(
      problems(
        'nodes:\n  - {id: x, local: true, hostname: h}\n  - {id: y}\njobs: [{id: j, node: x, commands: [ls]}]\n',
      ),
    ).to.deep.equal([
      'test.yaml:2:26: nodes[0].hostname: not allowed with local: a node is local or has a hostname',
      'test.yaml:3:5: nodes[1].hostname: missing (expected a host name (or local: true for this machine))',
    ]);
  });

  it('reports missing local files: scripts, includes, Push sources and keys, after substitution', () => {
    expect(
      problems(
        'variables: {name: prepare}\n' +
          'nodes:\n  - {id: here, local: true}\n  - {id: gw, hostname: gw, keys: [conf/id_test, conf/no_key]}\n' +
          'jobs:\n  - id: j\n    node: here\n    commands:\n' +
          '      - {type: RunScript, script: "{{name}}.sh", includes: [lib.sh, nolib.sh]}\n' +
          '      - {type: RunScript, script: "{{node}}.sh"}\n' +
          '      - {type: RunScript, script: "{{later}}.sh"}\n' +
          '      - {type: RunScript, script: conf}\n' +
          '      - {type: RunString, body: ls, includes: [nolib.sh]}\n' +
          '      - {type: Push, localPaths: "missing-{{node}}", remoteDir: /tmp}\n' +
          '      - {type: Push, localPaths: ["{{later}}", conf], remoteDir: /tmp}\n' +
          '      - {type: Pull, remotePaths: x, localDir: not-yet-there}\n' +
          '  - {id: k, node: here, commands: [{type: Run, command: date, capture: later}]}\n',
      ),
    ).to.deep.equal([
      `test.yaml:4:49: nodes[1].keys[1]: file not found: ${fixture('conf/no_key')}`,
      `test.yaml:9:69: jobs[0].commands[0].includes[1]: file not found: ${fixture('nolib.sh')}`,
      `test.yaml:10:35: jobs[0].commands[1].script: file not found: ${fixture('here.sh')}`,
      'test.yaml:11:35: jobs[0].commands[2].script: {{later}} has no value before the run, and this file is read as written',
      `test.yaml:12:35: jobs[0].commands[3].script: ${fixture('conf')} is a directory`,
      `test.yaml:13:48: jobs[0].commands[4].includes[0]: file not found: ${fixture('nolib.sh')}`,
      `test.yaml:14:34: jobs[0].commands[5].localPaths: file not found: ${fixture('missing-here')}`,
    ]);
  });

  it('refuses a {{name}} that nothing defines (no variable, built-in, capture or run-time name)', () => {
    const text =
      'variables: {version: 1}\nnodes: [{id: here, local: true}]\njobs:\n  - id: j\n    node: here\n    commands:\n' +
      '      - {type: Run, command: "echo {{versoin}} {{node}} {{.State}}"}\n' +
      '      - {type: Run, command: "echo {{got}} {{given}}"}\n' +
      '      - {type: Run, command: hostname, capture: got}\n';
    expect(problems(text)).to.deep.equal([
      "test.yaml:7:9: jobs[0].commands[0]: {{versoin}} is not defined: no variable (global, the node's, or node, hostname, username) and no capture gives it (did you mean {{version}}?): define it under variables, or capture it with capture: versoin in a command that runs before",
      "test.yaml:8:9: jobs[0].commands[1]: {{given}} is not defined: no variable (global, the node's, or node, hostname, username) and no capture gives it: define it under variables, or capture it with capture: given in a command that runs before",
    ]);
    expect(E.isRight(parseScenario(text, 'test.yaml', { runtimeVariables: ['given', 'versoin'] }))).to.equal(
      true,
    );
  });

  it('refuses a capture into a variable replaced before the run, and a pty on a local node', () => {
    expect(
      problems(
        'variables: {v: 1}\nnodes: [{id: here, local: true, variables: {w: 2}}]\njobs:\n  - id: j\n    node: here\n    commands:\n' +
          '      - {type: Run, command: ls, capture: v}\n      - {type: Run, command: ls, capture: w}\n' +
          '      - {type: Run, command: ls, capture: hostname}\n      - {type: Run, command: ls, capture: x, pty: true}\n',
      ),
    ).to.deep.equal([
      'test.yaml:7:43: jobs[0].commands[0].capture: "v" is a variable of node "here" replaced before the run: a capture cannot change it',
      'test.yaml:8:43: jobs[0].commands[1].capture: "w" is a variable of node "here" replaced before the run: a capture cannot change it',
      'test.yaml:9:43: jobs[0].commands[2].capture: "hostname" is a variable of node "here" replaced before the run: a capture cannot change it',
      'test.yaml:10:51: jobs[0].commands[3].pty: not available on a local node',
    ]);
  });

  it('accepts nodes and jobs as maps from ids, and locates their problems', () => {
    const scenario = loaded(
      'nodes:\n  gw: {hostname: gw.example.org}\n  here: {local: true}\njobs:\n  hello: {node: here, commands: [ls]}\n',
    );
    expect(scenario.spec.nodes).to.deep.equal([
      { id: 'gw', hostname: 'gw.example.org' },
      { id: 'here', local: true },
    ]);
    expect(scenario.spec.jobs).to.deep.equal([
      { id: 'hello', node: 'here', commands: [{ type: 'Run', command: 'ls' }] },
    ]);
    expect(
      problems(
        'nodes:\n  gw: {hostname: gw, prot: 22}\n  x: {id: x, local: true}\njobs:\n  hello: {node: gw, commands: [ls]}\n',
      ),
    ).to.deep.equal([
      'test.yaml:2:22: nodes.gw.prot: unknown key, did you mean port? (accepted: id, hostname, username, port, gateway, keys, agent, knownHosts, hostKeyPolicy, connectTimeout, connectAttempts, keepalive, maxSessions, sshConfig, label, variables)',
      'test.yaml:3:7: nodes.x.id: not allowed in the map form, where the key is the id',
    ]);
  });

  it('follows anchors and merge keys', () => {
    const scenario = loaded(
      `${HERE}jobs:\n  - &base {id: a, node: here, critical: true, commands: [ls]}\n  - {<<: *base, id: b}\n`,
    );
    expect(scenario.spec.jobs.map((j) => [j.id, j.critical])).to.deep.equal([
      ['a', true],
      ['b', true],
    ]);
  });

  it('resolves local paths against the directory of the file it reads', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-scenario-load-'));
    try {
      await writeFile(path.join(dir, 's.sh'), 'echo hi\n');
      await writeFile(
        path.join(dir, 'x.yaml'),
        `${HERE}jobs: [{id: j, node: here, commands: [{type: RunScript, script: s.sh}]}]\n`,
      );
      const result = loadScenario(path.join(dir, 'x.yaml'));
      expect(E.isRight(result) && result.right.dir).to.equal(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('sets aside top-level x- keys, where a testbed file keeps the anchors its entries alias', () => {
    const nodes = Array.from(
      { length: 150 },
      (_, i) => `  - { id: n${String(i)}, hostname: h${String(i)}, <<: *c }`,
    );
    const scenario = loaded(
      `x-common: &c { username: root, port: 2222 }\nnodes:\n${nodes.join('\n')}\njobs: [{ id: a, node: n7, commands: ['true'] }]\n`,
    );
    expect(scenario.spec.nodes).to.have.length(150);
    expect(scenario.spec.nodes[7]).to.include({ id: 'n7', hostname: 'h7', username: 'root', port: 2222 });
    expect(problems(`xcommon: 1\n${HERE}jobs: [{ id: a, node: here, commands: ['true'] }]\n`)).to.deep.equal([
      'test.yaml:1:1: xcommon: unknown key (accepted: nodes, jobs, scheduler, variables)',
    ]);
  });
});
