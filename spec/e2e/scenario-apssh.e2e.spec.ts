import * as fs from 'node:fs';
import * as path from 'node:path';

import { expect } from 'chai';

import { fleetArgs, linesOf, noSessionsLeft, runCli, builtCliInScratchDir } from '../helpers/cli.js';
import { startFleet } from '../helpers/sshd.js';
import type { Fleet } from '../helpers/sshd.js';

const apssh = path.resolve(import.meta.dirname, '..', 'scenario', 'fixtures', 'apssh');
const TEMPLATE = 'like-loader2.yaml.j2';

describe("rxjobs run on apssh's loader files and .j2 templates (the built CLI)", function () {
  this.timeout(60_000);
  let dir: string;

  builtCliInScratchDir('rxjobs-apssh-', (d) => (dir = d));

  /** A --vars file for the template, with the host names given. */
  const varsFile = (gateway: string, amf: string, gnb: string): string => {
    const file = path.join(dir, 'vars.yaml');
    fs.writeFileSync(
      file,
      [
        `gateway: ${gateway}`,
        'verbose: true',
        'leader: amf',
        'namespace: oai5g',
        `nodes: {amf: ${amf}, gnb: ${gnb}}`,
        `remote_dir: ${path.join(dir, 'remote')}`,
        `pull_dir: ${path.join(dir, 'pulled')}`,
        '',
      ].join('\n'),
    );
    return file;
  };

  it('--dry-run of a template: the plan, the dialect notes, missing scripts as warnings; a run refuses them', async () => {
    const vars = varsFile('gw.example.org', 'fit01', 'fit02');
    const copy = path.join(dir, TEMPLATE);
    fs.copyFileSync(path.join(apssh, TEMPLATE), copy);
    // from dir, scripts/show-args.sh (relative to the working directory, as apssh has it) is missing
    const dry = await runCli('rxjobs', ['run', '--dry-run', '--vars', vars, TEMPLATE], { cwd: dir });
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout).to.include('  amf  ssh fit01 via gw -> amf');
    expect(dry.stdout).to.include("dialect: read as apssh's loader file");
    expect(dry.stdout).to.include('  note: required read as requires (3 jobs)');
    const missing = path.join(dir, 'scripts', 'show-args.sh');
    expect(linesOf(dry.stderr)).to.deep.equal([
      `${copy}:35:18: jobs[1].commands[0].command: warning: file not found: ${missing} (rendered line 41) (a run needs it)`,
      `${copy}:35:18: jobs[2].commands[0].command: warning: file not found: ${missing} (rendered line 51) (a run needs it)`,
      `${copy}:48:21: jobs[3].commands[0].localpaths: warning: file not found: ${missing} (rendered line 66) (a run needs it)`,
    ]);
    const run = await runCli('rxjobs', ['run', '--vars', vars, TEMPLATE], { cwd: dir });
    expect(run.code).to.equal(2);
    expect(linesOf(run.stderr)).to.deep.equal([
      `${copy}:35:18: jobs[1].commands[0].command: file not found: ${missing} (rendered line 41)`,
      `${copy}:35:18: jobs[2].commands[0].command: file not found: ${missing} (rendered line 51)`,
      `${copy}:48:21: jobs[3].commands[0].localpaths: file not found: ${missing} (rendered line 66)`,
      `rxjobs: 3 problems in ${TEMPLATE}; nothing was run`,
    ]);
  });

  it('--save-rendered writes the rendered YAML (next to the template, or to FILE), which rxjobs reads as it is', async () => {
    const vars = varsFile('gw.example.org', 'fit01', 'fit02');
    const copy = path.join(dir, TEMPLATE);
    fs.copyFileSync(path.join(apssh, TEMPLATE), copy);
    const saved = path.join(dir, 'like-loader2.yaml');
    const r = await runCli('rxjobs', ['run', '-n', '--save-rendered', '--vars', vars, copy], { cwd: apssh });
    expect(r.code, r.stderr).to.equal(0);
    expect(linesOf(r.stderr)).to.deep.equal([`rxjobs: the rendered scenario is in ${saved}`]);
    const text = fs.readFileSync(saved, 'utf8');
    expect(text).to.match(/^# rendered from like-loader2\.yaml\.j2 by rxjobs/);
    expect(text).to.include('    node: gnb\n');
    const explicit = path.join(dir, 'out.yaml');
    const again = await runCli('rxjobs', ['run', '-n', `--save-rendered=${explicit}`, '--vars', vars, copy], {
      cwd: apssh,
    });
    expect(again.code, again.stderr).to.equal(0);
    expect(fs.readFileSync(explicit, 'utf8')).to.equal(text);
    const replaced = await runCli(
      'rxjobs',
      ['run', '-n', `--save-rendered=${explicit}`, '--vars', vars, copy],
      { cwd: apssh },
    );
    expect(linesOf(replaced.stderr)).to.deep.equal([
      `rxjobs: the rendered scenario is in ${explicit} (replaced)`,
    ]);
    // never over the template itself
    const itself = await runCli('rxjobs', ['run', '-n', `--save-rendered=${copy}`, '--vars', vars, copy], {
      cwd: apssh,
    });
    expect(itself.code).to.equal(2);
    expect(linesOf(itself.stderr)).to.deep.equal([
      `rxjobs: --save-rendered: ${copy} is the scenario itself: give another FILE`,
    ]);
    expect(fs.readFileSync(copy, 'utf8')).to.equal(fs.readFileSync(path.join(apssh, TEMPLATE), 'utf8'));
    // the rendered file is plain YAML: the same plan, but its name
    const plain = await runCli('rxjobs', ['run', '-n', saved], { cwd: apssh });
    expect(plain.code, plain.stderr).to.equal(0);
    expect(plain.stdout.split('\n').slice(2)).to.deep.equal(r.stdout.split('\n').slice(2));
  });

  it("--vars sets a plain scenario's variables with its scalar values, --var over them", async () => {
    const file = path.join(dir, 'plain.yaml');
    fs.writeFileSync(
      file,
      "nodes: [{id: here, local: true}]\njobs: [{id: a, node: here, commands: ['echo {{count}} {{word}}']}]\n",
    );
    const vars = path.join(dir, 'values.yaml');
    fs.writeFileSync(vars, 'count: 42\nword: from-file\nlist: [1, 2]\n');
    const r = await runCli('rxjobs', ['run', '-n', '--vars', vars, '--var', 'word=from-option', file], {
      cwd: dir,
    });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include('1. Run: echo 42 from-option');
  });

  for (const [args, message] of [
    [
      ['--save-rendered', 'x.yaml'],
      '--save-rendered goes with a template: a scenario file whose name ends in .j2',
    ],
    [['--vars', 'none.yaml', 'x.yaml'], 'none.yaml: file not found (--vars)'],
  ] as const)
    it(`exits 2 with a clear line for ${args.join(' ')}`, async () => {
      const r = await runCli('rxjobs', ['run', '-n', ...args], { cwd: dir });
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include(message);
      expect(r.stderr).not.to.match(/\n\s+at /);
    });

  describe('against real sshd', () => {
    let fleet: Fleet;
    before(async function () {
      this.timeout(60_000);
      fleet = await startFleet({ hosts: 3 });
    });
    after(async () => {
      await fleet.stop();
    });

    it('runs the loader2-like template: nodes from --vars through the gateway, scripts, Push, Pull, captures', async () => {
      const [gw, amf, gnb] = fleet.hosts;
      if (gw === undefined || amf === undefined || gnb === undefined) throw new Error('3 hosts expected');
      const vars = varsFile(gw.address, amf.address, gnb.address);
      // from the fixtures' directory, where apssh's relative script paths are
      const r = await runCli(
        'rxjobs',
        ['run', '--vars', vars, TEMPLATE, ...fleetArgs(fleet, { portOption: true })],
        {
          cwd: apssh,
        },
      );
      expect(r.code, r.stderr).to.equal(0);
      const lines = linesOf(r.stdout);
      expect(lines).to.include.members([
        // the prefixes are as wide as the widest node id
        `gw :hello ${amf.address} ${gnb.address}`,
        'gw :from-the-gateway',
        'amf:show-args: 2',
        'amf:arg=amf',
        `amf:arg=${amf.address}`,
        `amf:amf is ${amf.address} after from-the-gateway`,
        `gnb:arg=${gnb.address}`,
        `gnb:gnb is ${gnb.address} after from-the-gateway`,
        // the RunString's arguments: apssh's unquoted "fit01 fit02" is two words
        'amf:arg=oai5g',
        `amf:arg=${gnb.address}`,
      ]);
      expect(fs.readFileSync(path.join(dir, 'pulled', 'show-args.sh'), 'utf8')).to.equal(
        fs.readFileSync(path.join(apssh, 'scripts', 'show-args.sh'), 'utf8'),
      );
      // apssh's localpath to a name that is no directory: that one file, as scp writes it
      expect(fs.readFileSync(path.join(dir, 'pulled', 'show-args.copy'), 'utf8')).to.equal(
        fs.readFileSync(path.join(apssh, 'scripts', 'show-args.sh'), 'utf8'),
      );
      expect(await noSessionsLeft(fleet)).to.equal(true);
    });
  });
});
