import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';

import { buildScenario } from '../../lib/scenario/build.js';
import { describeScenario } from '../../lib/scenario/describe.js';
import type { LoadedScenario, ParseScenarioOptions } from '../../lib/scenario/load.js';
import { loadScenario, parseScenario } from '../../lib/scenario/load.js';
import { formatProblems } from '../../lib/scenario/problems.js';
import { commandsOf } from '../helpers/scenario-jobs.js';

const apssh = path.join(import.meta.dirname, 'fixtures', 'apssh');
const fixture = (name: string): string => path.join(apssh, name);
const script = fixture('scripts/show-args.sh');

/** A fixture loaded as rxjobs run does it from the fixtures' directory (apssh's paths are relative to it). */
const load = (name: string, options: Omit<ParseScenarioOptions, 'dir'> = {}): LoadedScenario => {
  const result = loadScenario(fixture(name), { cwd: apssh, ...options });
  if (E.isLeft(result)) expect.fail(formatProblems(result.left));
  return result.right;
};

/** The problems of a text, as formatted lines, with `cwd` the fixtures' directory. */
const problemsOf = (text: string, file = 'test.yaml', options: ParseScenarioOptions = {}): string[] => {
  const result = parseScenario(text, file, { dir: apssh, cwd: apssh, ...options });
  if (E.isRight(result)) expect.fail('expected problems, got a scenario');
  return formatProblems(result.left).split('\n');
};

describe("apssh's YAML loader dialect", () => {
  it('reads a loader1-like file (gateways, formatters, verbose, required, command, local_script, Push, Pull) as its rxjobs form', () => {
    const { spec, dialect } = load('like-loader1.yaml');
    expect(dialect?.dialect).to.equal('apssh');
    expect(spec.nodes).to.deep.equal([
      { id: 'gw', hostname: 'gw.example.org' },
      { id: 'n1', hostname: 'n1.example.org', gateway: 'gw', username: 'root' },
      { id: 'n2', hostname: 'n2.example.org', gateway: 'gw', username: 'alice' },
      { id: 'n3', hostname: 'n3.example.org', gateway: 'gw', username: 'root' },
    ]);
    expect(spec.jobs).to.deep.equal([
      {
        id: 'prepare',
        node: 'gw',
        critical: true,
        label: 'prepare the nodes',
        commands: [
          // apssh splits a Run's command into words and joins them with one space; its argv is not quoted
          { type: 'Run', command: 'echo prepare all' },
          { type: 'Run', command: 'ls -l my dir' },
        ],
      },
      {
        id: 'setup1',
        requires: ['prepare'],
        node: 'n1',
        critical: false,
        // a `>` block ends with a newline, which apssh strips
        label: 'set up n1 with a script',
        commands: [
          { type: 'RunScript', script, args: ['one', 'two'] },
          // apssh passes arguments unquoted: "three four" is two words on the remote side
          { type: 'RunScript', script, args: ['three', 'four', '5'] },
          { type: 'Push', localPaths: [script], remoteDir: '/tmp/apssh-fixture/' },
          { type: 'Pull', remotePaths: ['/etc/hostname'], localPath: path.join(apssh, 'pulled-hostname') },
        ],
      },
      { id: 'setup2', requires: ['prepare'], node: 'n2', commands: [{ type: 'Run', command: 'uname -a' }] },
      {
        id: 'finish',
        requires: ['setup1', 'setup2'],
        node: 'n3',
        critical: false,
        commands: [
          {
            type: 'RunString',
            body: '# greet\necho "hello $1"\n',
            args: ['world'],
            remoteName: 'greet.sh',
            allowedExits: [0, 1, 'TERM'],
          },
        ],
      },
    ]);
  });

  it('reads a loader3-like file: localnode is a local node, Run and RunScript on both kinds, and it builds', () => {
    const loaded = load('like-loader3.yaml');
    expect(loaded.spec.nodes).to.deep.equal([
      { id: 'remote', hostname: 'remote.example.org', username: 'root' },
      { id: 'here', local: true },
    ]);
    expect(loaded.spec.jobs.map((j) => commandsOf(j)[0])).to.deep.equal([
      { type: 'Run', command: 'hostname' },
      { type: 'RunScript', script, args: ['arg1', 'arg2'] },
      { type: 'Run', command: 'echo local' },
      { type: 'RunScript', script, args: ['arg1', 'arg2'] },
    ]);
    const built = buildScenario(loaded);
    expect([...built.jobs.keys()]).to.deep.equal([
      'remote-run',
      'remote-script',
      'local-run',
      'local-script',
    ]);
  });

  it('--dry-run shows the rxjobs form, then the dialect and one note per translated key or differing default', () => {
    const text = describeScenario(load('like-loader3.yaml'));
    expect(text.split('\n').slice(-7)).to.deep.equal([
      "dialect: read as apssh's loader file: the plan above is its rxjobs form, with rxjobs' defaults",
      '  note: formatter TimeHostFormatter ignored: rxjobs run --time gives time:host:line for every node (2 nodes)',
      "  note: verbose ignored, as apssh's loader does on nodes (2 nodes)",
      '  note: localnode read as local: true (1 node)',
      '  note: verbose ignored: rxjobs has no bash -x mode (--json shows each command, its output and exit) (1 job)',
      "  note: RunScript's command read as script (its first word) and args (2 commands)",
      `  note: local paths of commands written with apssh's keys are relative to the working directory, as in apssh (${apssh}) (2 commands)`,
    ]);
    expect(text).to.include(`1. RunScript: ${script} arg1 arg2`);
    const one = describeScenario(load('like-loader1.yaml'));
    expect(one).to.include(
      "  note: no critical: apssh's jobs are critical unless they say, rxjobs' are not (write critical: true, or scheduler: {critical: true}, for apssh's) (1 job)",
    );
    expect(one).to.include(
      "  note: no username: apssh logs in as root, rxjobs as -l USER, else the ssh config's User, else the local user (write username: root for apssh's) (1 node)",
    );
    expect(one).to.include('  note: required read as requires (3 jobs)');
  });

  it('reports what it cannot read as problems at the key the file wrote, saying what to write instead', () => {
    const result = loadScenario(fixture('conflicts.yaml'), { cwd: apssh });
    if (E.isRight(result)) expect.fail('expected problems');
    const at = (line: number, column: number) =>
      `${fixture('conflicts.yaml')}:${String(line)}:${String(column)}`;
    expect(formatProblems(result.left).split('\n')).to.deep.equal([
      `${at(5, 16)}: nodes[0].formatter: formatter SubdirFormatter is not available per node: use rxjobs run -o DIR (one file per node, DIR/node and DIR/node.err)`,
      `${at(7, 16)}: nodes[1].localnode: localnode: false makes a local node in apssh too (the key alone counts): remove it for an SSH node, or write local: true`,
      `${at(10, 5)}: nodes[2].localnode: both localnode (apssh's) and local (rxjobs'): keep local`,
      `${at(17, 5)}: jobs[1].required: both required (apssh's) and requires (rxjobs'): keep one of them, requires`,
      `${at(20, 38)}: jobs[1].commands[0].x11: X11 forwarding is not available in rxjobs: remove x11 (run ssh -X yourself for X programs)`,
      `${at(21, 28)}: jobs[1].commands[1].command: a RunString's command would be cut into words in apssh, its first word taken as the script's text: write the script as script_body (or body), its arguments as args`,
      `${at(23, 72)}: jobs[1].commands[3].recurse: an SFTP option of apssh that rxjobs does not take (it copies directories whole): remove it`,
      `${at(24, 28)}: jobs[1].commands[4].local_script: both local_script (apssh's) and script (rxjobs'): keep one of them, script`,
    ]);
  });

  it("names apssh's keys, not their rxjobs spellings, in the problems that the codecs and checks find", () => {
    const text = [
      'nodes: [{id: gw, hostname: gw.example.org, formatter: HostFormatter}]',
      'jobs:',
      '  - id: a',
      '    node: gw',
      '    required: [nope]',
      '    commands:',
      '      - {type: RunScript, local_script: missing.sh}',
      '      - {type: RunScript, command: also-missing.sh x y}',
      '      - {type: RunString, script_body: echo, remote_name: 3}',
      '      - {type: Push, localpaths: [], remotepath: /tmp/}',
      "      - {type: Run, command: 'true', allowed_exits: [nine]}",
      '',
    ].join('\n');
    expect(problemsOf(text)).to.deep.equal([
      'test.yaml:5:16: jobs[0].required[0]: unknown job "nope" (jobs: a)',
      `test.yaml:7:41: jobs[0].commands[0].local_script: file not found: ${fixture('missing.sh')}`,
      `test.yaml:8:36: jobs[0].commands[1].command: file not found: ${fixture('also-missing.sh')}`,
      'test.yaml:9:59: jobs[0].commands[2].remote_name: expected a non-empty string',
      'test.yaml:10:34: jobs[0].commands[3].localpaths: expected a file path or a non-empty list of file paths',
      'test.yaml:11:54: jobs[0].commands[4].allowed_exits[0]: expected an exit code (0 to 255) or a signal name (TERM, SIGKILL, ...)',
    ]);
  });

  it("resolves paths of commands written with apssh's keys against the working directory, rxjobs' against the file's", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-apssh-paths-'));
    try {
      await mkdir(path.join(dir, 'sub'));
      await writeFile(path.join(dir, 'sub', 'mine.sh'), 'echo mine\n');
      const file = path.join(dir, 'sub', 'mixed.yaml');
      await writeFile(
        file,
        [
          'nodes: [{id: here, local: true}]',
          'jobs:',
          '  - id: a',
          '    node: here',
          '    commands:',
          '      - {type: RunScript, script: mine.sh}',
          '      - {type: RunScript, local_script: scripts/show-args.sh}',
          '      - {type: Run, argv: [echo, two words]}',
          '',
        ].join('\n'),
      );
      const result = loadScenario(file, { cwd: apssh });
      if (E.isLeft(result)) expect.fail(formatProblems(result.left));
      expect(result.right.dialect?.dialect).to.equal('mixed');
      expect(commandsOf(result.right.spec.jobs[0])).to.deep.equal([
        { type: 'RunScript', script: 'mine.sh' },
        { type: 'RunScript', script },
        // a mixed file keeps rxjobs' meaning of argv (each word quoted)
        { type: 'Run', argv: ['echo', 'two words'] },
      ]);
      expect(describeScenario(result.right)).to.include(
        "dialect: rxjobs' dialect with keys of apssh's loader: the plan above is its rxjobs form",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("leaves a file in rxjobs' dialect as it is, but for job labels, which lose their surrounding white space", () => {
    const text =
      'nodes: [{id: here, local: true}]\njobs:\n  - id: a\n    node: here\n    label: >\n      two\n      lines\n    commands: [echo a]\n';
    const result = parseScenario(text, 'test.yaml', { dir: apssh });
    if (E.isLeft(result)) expect.fail(formatProblems(result.left));
    expect(result.right.dialect).to.equal(undefined);
    expect(result.right.spec.jobs[0]?.label).to.equal('two lines');
    expect(describeScenario(result.right)).not.to.include('dialect');
  });

  it('lists missing local files as warnings when asked (--dry-run, --graph), and as problems otherwise', () => {
    const text =
      'nodes: [{id: here, localnode: true}]\njobs:\n  - {id: a, node: here, commands: [{type: RunScript, command: gone.sh x}]}\n';
    const warned = parseScenario(text, 'test.yaml', { dir: apssh, cwd: apssh, missingFiles: 'warning' });
    if (E.isLeft(warned)) expect.fail(formatProblems(warned.left));
    expect(formatProblems(warned.right.warnings ?? [])).to.equal(
      `test.yaml:3:63: jobs[0].commands[0].command: file not found: ${fixture('gone.sh')}`,
    );
    expect(problemsOf(text)).to.deep.equal([
      `test.yaml:3:63: jobs[0].commands[0].command: file not found: ${fixture('gone.sh')}`,
    ]);
    // with another problem, the missing file is listed among the problems
    expect(
      problemsOf(text.replace('node: here', 'node: there'), 'test.yaml', { missingFiles: 'warning' }),
    ).to.have.length(2);
  });
});
