import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';

import { RunScript } from '../../lib/commands/run-script.js';
import { RunString } from '../../lib/commands/run-string.js';
import { Variables } from '../../lib/commands/variables.js';
import { LocalNode } from '../../lib/nodes/local/local-node.js';
import { stdout } from '../../lib/nodes/operators.js';
import { commandSuite, localProcesses, marker, runOn } from '../helpers/command-suite.js';
import { rejection } from '../helpers/errors.js';

// every test of the suite with a private script directory: what it leaves there is checked below
const base = path.join(os.tmpdir(), `rxjobs-cmd-local-${String(process.pid)}`);
const scriptDir = path.join(base, 'scripts');

commandSuite('a LocalNode', async () => {
  await mkdir(base, { recursive: true, mode: 0o700 });
  return {
    node: () => new LocalNode({ scriptDir }),
    // anything sent fails with a ConfigError: the script directory cannot be made, the shell cannot start
    unreachable: () =>
      Promise.resolve(new LocalNode({ scriptDir: '/dev/null/scripts', shell: '/no/such/sh' })),
    remoteDir: () => mkdtemp(path.join(base, 'remote-')),
    processes: localProcesses,
  };
});

describe('script commands on a LocalNode', () => {
  let dir: string;
  let node: LocalNode;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-cmd-local-'));
    node = new LocalNode({ scriptDir: path.join(dir, 'scripts') });
  });
  afterEach(async () => {
    await node.close();
    await rm(dir, { recursive: true, force: true });
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('left nothing in the script directory of the whole suite', async () => {
    expect(await readdir(scriptDir)).to.deep.equal([]);
  });

  it('leaves no run-* directory after a run, a failure, a cancel, or a missing include', async () => {
    const script = path.join(dir, 'x.sh');
    await writeFile(script, '#!/bin/sh\necho "$1"\nexec sleep "$1"\n', { mode: 0o755 });
    await runOn(new RunString('echo ok'), node);
    await runOn(new RunString('exit 3'), node);
    const m = marker();
    expect(
      await firstValueFrom(new RunScript(script, m).run(node, { variables: new Variables() }).pipe(stdout())),
    ).to.equal(m);
    await node.close();
    expect(await localProcesses(m)).to.deep.equal([]);
    const e = await rejection(runOn(new RunScript(script, { includes: [path.join(dir, 'missing')] }), node));
    expect((e as Error).name).to.equal('TransferError');
    expect(await readdir(path.join(dir, 'scripts'))).to.deep.equal([]);
  });

  it('creates the script directory with mode 700 and runs scripts from it', async () => {
    const events = await runOn(new RunString('stat -c %a "$(dirname "$(dirname "$0")")"'), node);
    expect(events[0]?.type === 'line' && events[0].text).to.equal('700');
  });
});
