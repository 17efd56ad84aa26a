import { expect } from 'chai';
import type * as t from 'io-ts';

import { CommandSpec } from '../../lib/scenario/codecs-commands.js';
import { NodeSpec } from '../../lib/scenario/codecs-nodes.js';
import { AllowedExit, VariableValues } from '../../lib/scenario/codecs-values.js';
import { JobSpec, ScenarioSpec } from '../../lib/scenario/codecs.js';
import { formatPath, formatProblems } from '../../lib/scenario/problems.js';
import { reportErrors } from '../../lib/scenario/reporter.js';
import { suggest } from '../../lib/errors/suggest.js';

/** The decoded value, or the problems as `path: message` lines. */
const decode = <A>(codec: t.Decoder<unknown, A>, u: unknown): A | string[] => {
  const result = codec.decode(u);
  return result._tag === 'Right'
    ? result.right
    : reportErrors(result.left).map((p) => `${formatPath(p.path)}: ${p.message} [${p.at}]`);
};

describe('scenario codecs', () => {
  it('decode a plain command line as a Run', () => {
    expect(decode(CommandSpec, 'apt-get update')).to.deep.equal({ type: 'Run', command: 'apt-get update' });
  });

  it('check a command against the codec its type names, with one problem per bad field', () => {
    expect(
      decode(CommandSpec, { type: 'RunScript', script: 3, args: [1, true, 'x'], capture: '1x' }),
    ).to.deep.equal([
      'script: expected a non-empty string [value]',
      'capture: expected a variable name (letters, digits and "_", not starting with a digit) [value]',
    ]);
    expect(
      decode(CommandSpec, { type: 'Pull', remotePaths: ['a', ''], localDir: 'd', labl: 'x' }),
    ).to.deep.equal([
      'remotePaths[1]: expected a non-empty string [value]',
      'labl: unknown key, did you mean label? (accepted: type, remotePaths, localDir, localPath, label, preserve) [key]',
    ]);
    expect(decode(CommandSpec, { type: 7 })).to.deep.equal([
      'type: expected one of Run, RunScript, RunString, Push, Pull [value]',
    ]);
  });

  it('decode arguments, env values and variables as strings', () => {
    expect(
      decode(CommandSpec, {
        type: 'Run',
        command: 'x',
        args: [1, 2.5, false],
        env: { A: 1, B: 'b', C: true },
      }),
    ).to.deep.equal({
      type: 'Run',
      command: 'x',
      args: ['1', '2.5', 'false'],
      env: { A: '1', B: 'b', C: 'true' },
    });
    expect(decode(VariableValues, { a: 1, b: 'x', c: false, d: null, 'e-f': 1 })).to.deep.equal([
      'd: expected a string, a number or a boolean [value]',
      'e-f: not a variable name (letters, digits and "_", not starting with a digit) [key]',
    ]);
  });

  it('accept exit codes and signal names only as allowed exits', () => {
    for (const good of [0, 1, 255, 'TERM', 'SIGKILL', 'hup'])
      expect(AllowedExit.is(good), String(good)).to.equal(true);
    for (const bad of [-1, 256, 1.5, 'NOPE', 'SIGNOPE', null])
      expect(AllowedExit.is(bad), String(bad)).to.equal(false);
  });

  it('tell SSH nodes from local ones by `local`, each with its own keys', () => {
    expect(decode(NodeSpec, { id: 'h', local: true, port: 22 })).to.deep.equal([
      'port: unknown key (accepted: id, local, label, shell, variables) [key]',
    ]);
    expect(decode(NodeSpec, { id: 'h', local: false })).to.deep.equal(['local: expected true [value]']);
    expect(
      decode(NodeSpec, { id: '-h', hostname: 'x', hostKeyPolicy: 'yes', sshConfig: true }),
    ).to.deep.equal([
      'id: expected a node id: letters, digits, "_", "-" and "." only, not starting with "-" or "." [value]',
      'hostKeyPolicy: expected one of strict, accept-new, off [value]',
      'sshConfig: expected a file path or false [value]',
    ]);
    expect(decode(NodeSpec, { id: 12, hostname: 'h', maxSessions: 1 })).to.deep.equal([
      'maxSessions: expected a whole number from 2 to 10000 [value]',
    ]);
    expect(decode(NodeSpec, { id: 12, hostname: 'h' })).to.deep.equal({ id: '12', hostname: 'h' });
  });

  it('take requires as one id or a list, and need a non-empty list of commands', () => {
    expect(decode(JobSpec, { id: 'j', node: 'n', requires: 'a', commands: ['ls'] })).to.deep.equal({
      id: 'j',
      node: 'n',
      requires: ['a'],
      commands: [{ type: 'Run', command: 'ls' }],
    });
    expect(decode(JobSpec, { id: 'j', node: 'n', requires: [1, {}], commands: 'ls' })).to.deep.equal([
      'commands: expected a non-empty list of commands [value]',
      'requires[1]: expected a job id [value]',
    ]);
  });

  it('need non-empty nodes and jobs, as a list or a map', () => {
    expect(decode(ScenarioSpec, { nodes: [], jobs: {} })).to.deep.equal([
      'nodes: expected a non-empty list of nodes (or a map from ids to nodes) [value]',
      'jobs: expected a non-empty list of jobs (or a map from ids to jobs) [value]',
    ]);
  });
});

describe('formatProblems', () => {
  it('writes file:line:column: path: message, leaving out what is not known', () => {
    expect(
      formatProblems([
        {
          file: 's.yaml',
          path: 'jobs[3].commands[0].type',
          line: 12,
          column: 7,
          message: 'expected one of Run',
        },
        { file: 's.yaml', path: '', message: 'file not found' },
        { file: 's.yaml', path: 'nodes', line: 1, column: 1, message: 'missing' },
      ]),
    ).to.equal(
      's.yaml:12:7: jobs[3].commands[0].type: expected one of Run\ns.yaml: file not found\ns.yaml:1:1: nodes: missing',
    );
  });

  it('writes paths with indices, plain keys and quoted odd keys', () => {
    expect(formatPath(['jobs', 3, 'commands', 0, 'type'])).to.equal('jobs[3].commands[0].type');
    expect(formatPath(['nodes', 'gw', 'port'])).to.equal('nodes.gw.port');
    expect(formatPath(['variables', 'a b'])).to.equal('variables["a b"]');
  });
});

describe('suggest', () => {
  it('gives the closest candidate within two edits, or none', () => {
    expect(suggest('requries', ['requires', 'label'])).to.equal('requires');
    expect(suggest('Label', ['label'])).to.equal('label');
    expect(suggest('xyz', ['requires', 'label'])).to.equal(undefined);
    expect(suggest('ab', ['abc', 'ab'])).to.equal('ab');
  });
});
