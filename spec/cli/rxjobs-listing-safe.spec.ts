// The listing `rxjobs run` prints at the end shows a scenario's labels as text: no escape sequence of theirs
// reaches the terminal.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { expect } from 'chai';

import { builtCliInScratchDir, runCli } from '../helpers/cli.js';

describe('rxjobs run: the listing at the end is safe to print', function () {
  this.timeout(60_000);
  let dir: string;
  builtCliInScratchDir('rxjobs-listing-', (d) => {
    dir = d;
  });

  it('prints a label holding escape sequences without them (the screen is not cleared)', async () => {
    fs.writeFileSync(
      path.join(dir, 'esc.yaml'),
      'nodes: [{ id: here, local: true }]\njobs: [{ id: a, node: here, label: "red\\e[31mLABEL\\e[2J", commands: ["true"] }]\n',
    );
    const r = await runCli('rxjobs', ['run', 'esc.yaml', '--no-record'], { cwd: dir });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include('redLABEL');
    expect(r.stdout).not.to.include('\u001b');
  });
});
