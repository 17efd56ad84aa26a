import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';

import { buildScenario } from '../../lib/scenario/build.js';
import type { LoadedScenario } from '../../lib/scenario/load.js';
import { loadScenario } from '../../lib/scenario/load.js';
import { formatProblems } from '../../lib/scenario/problems.js';

/** A scenario on two local nodes: commands of every type, a capture passed from one job to a later one. */
const scenario = (dir: string): string => `
scheduler: {label: local-run, timeout: 20, jobsWindow: 2}
variables: {out: ${JSON.stringify(dir)}}
nodes:
  - {id: a, local: true, variables: {word: alpha}}
  - {id: b, local: true, variables: {word: beta}}
jobs:
  # listed first, runs last: it reads what the two others left
  - id: collect
    node: a
    requires: [kernel, files]
    commands:
      - "echo '{{kname}} {{word}} {{node}}' > {{out}}/result.txt"
      - {type: Run, command: "exit 3", allowedExits: [3]}
  - id: kernel
    node: b
    commands:
      - {type: Run, argv: [printf, "%s-%s\\\\n", "{{word}}", "{{node}}"], capture: kname}
  - id: files
    node: b
    commands:
      - {type: RunScript, script: write.sh, args: ["{{out}}/script-{{node}}.txt", "{{word}} words"], includes: [lib.sh]}
      - {type: Push, localPaths: [data.txt], remoteDir: "{{out}}/pushed"}
      - {type: RunString, body: "#!/bin/sh\\necho \\"$1\\" > {{out}}/string.txt", args: ["{{hostname}}"]}
      - {type: Pull, remotePaths: "{{out}}/string.txt", localDir: pulled}
      - {type: Run, command: "cat", stdin: "from stdin", capture: echoed}
`;

describe('a scenario run on local nodes', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-scenario-run-'));
    await writeFile(path.join(dir, 'write.sh'), '#!/bin/sh\n. "$(dirname "$0")"/lib.sh\nshout "$2" > "$1"\n');
    await writeFile(path.join(dir, 'lib.sh'), 'shout() { echo "$1" | tr a-z A-Z; }\n');
    await writeFile(path.join(dir, 'data.txt'), 'some data\n');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const load = async (text: string): Promise<LoadedScenario> => {
    await writeFile(path.join(dir, 'scenario.yaml'), text);
    const result = loadScenario(path.join(dir, 'scenario.yaml'));
    if (E.isLeft(result)) expect.fail(formatProblems(result.left));
    return result.right;
  };

  it('runs every command, captures flowing from one job to a later one', async () => {
    const loaded = await load(scenario(dir));
    const { scheduler, variables, jobs } = buildScenario(loaded, {
      local: { scriptDir: path.join(dir, 'scripts') },
    });
    const ok = await scheduler.orchestrate();
    expect(ok, scheduler.debrief({ ascii: true })).to.equal(true);
    const read = (name: string) => readFile(path.join(dir, name), 'utf8');
    expect(variables.get('kname')).to.equal('beta-b');
    expect(variables.get('echoed')).to.equal('from stdin');
    expect(await read('result.txt')).to.equal('beta-b alpha a\n');
    expect(await read('script-b.txt')).to.equal('BETA WORDS\n');
    expect(await read('pushed/data.txt')).to.equal('some data\n');
    expect(await read('string.txt')).to.equal('localhost\n');
    expect(await read('pulled/string.txt')).to.equal('localhost\n');
    expect(jobs.get('collect')?.result()).to.equal(3);
  });

  it('runs a dependent only after its requirements, and fails as the file says', async () => {
    const loaded = await load(`
nodes: [{id: here, local: true}]
jobs:
  - {id: last, node: here, requires: first, commands: ["cat {{stamp}}.txt"]}
  - id: first
    node: here
    commands:
      - {type: Run, command: "echo ${dir}/first > ${dir}/first.txt; echo ${dir}/first", capture: stamp}
  - {id: broken, node: here, critical: true, requires: last, commands: ["exit 4", "echo never > ${dir}/never.txt"]}
`);
    const { scheduler, jobs } = buildScenario(loaded, { local: { scriptDir: path.join(dir, 'scripts') } });
    expect(await scheduler.orchestrate()).to.equal(false);
    expect(jobs.get('last')?.isDone()).to.equal(true);
    expect(String(jobs.get('broken')?.raisedException())).to.match(/exit 4/);
    expect(await readFile(path.join(dir, 'first.txt'), 'utf8')).to.equal(`${dir}/first\n`);
    const never = await readFile(path.join(dir, 'never.txt'), 'utf8').catch(() => 'absent');
    expect(never).to.equal('absent');
  });

  it('keeps a job that fails without critical non-critical, as documented: the others still run', async () => {
    const loaded = await load(`
nodes: [{id: here, local: true}]
jobs:
  - {id: fails, node: here, commands: ["exit 3"]}
  - {id: after, node: here, requires: fails, commands: ["echo ran > ${dir}/after.txt"]}
`);
    const { scheduler, jobs } = buildScenario(loaded, { local: { scriptDir: path.join(dir, 'scripts') } });
    expect(await scheduler.orchestrate()).to.equal(true);
    expect(jobs.get('fails')?.status).to.equal('failed');
    expect(await readFile(path.join(dir, 'after.txt'), 'utf8')).to.equal('ran\n');
  });
});
