// The CLIs' exit waits for stdout: a reader that stalls longer than the 2 s of grace for lingering handles
// still gets the end of the output (the -b blocks, the listing, the last JSON record).
import { spawn } from 'node:child_process';

import { expect } from 'chai';

import { cliEnv, cliPath, ensureBuilt } from '../helpers/cli.js';

describe('the exit of the built CLIs', function () {
  this.timeout(60_000);

  before(async function () {
    this.timeout(180_000);
    await ensureBuilt();
  });

  it('waits for a stalled reader of stdout to take the whole output, however long it stalls', async () => {
    const scenario = `nodes: [{ id: here, local: true }]\njobs: [{ id: a, node: here, commands: ['seq 1 200000'] }]\n`;
    const child = spawn(process.execPath, [cliPath('rxjobs'), 'run', '-q', '-b', '-'], {
      env: cliEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end(scenario);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    // -b writes its blocks at the end, about 1.3 MB at once: nobody reads them for 3.5 s
    await new Promise((resolve) => setTimeout(resolve, 3500));
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const code = await closed;
    expect(code, stderr).to.equal(0);
    expect(stdout.trimEnd().split('\n').at(-1)).to.equal('200000');
  });
});
