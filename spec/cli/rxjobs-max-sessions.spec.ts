import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { expect } from 'chai';

import { ensureBuilt, fleetArgs, linesOf, noSessionsLeft, runCli } from '../helpers/cli.js';
import { startFleet } from '../helpers/sshd.js';
import type { Fleet } from '../helpers/sshd.js';

describe('rxjobs (the built CLI) against sshd MaxSessions 2', function () {
  this.timeout(60_000);
  let dir: string;
  let fleet: Fleet;

  before(async function () {
    this.timeout(180_000);
    await ensureBuilt();
    fleet = await startFleet({ maxSessions: 2 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxjobs-cli-sessions-'));
  });
  after(async () => {
    await fleet.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs 20 jobs at once on a node whose maxSessions (8) the server does not allow: all succeed, one warning', async () => {
    const host = fleet.hosts[0]?.address ?? '';
    const jobs = Array.from(
      { length: 20 },
      (_, i) => `  - { id: j${String(i)}, node: n, commands: ['sleep 0.1; echo job ${String(i)}'] }`,
    );
    const file = path.join(dir, 'sessions.yaml');
    fs.writeFileSync(
      file,
      `nodes:\n  - { id: n, hostname: ${host}, maxSessions: 8 }\njobs:\n${jobs.join('\n')}\n`,
    );
    const r = await runCli('rxjobs', ['run', file, ...fleetArgs(fleet, { portOption: true })]);
    expect(r.code, r.stderr).to.equal(0);
    expect(linesOf(r.stdout).filter((l) => /^n:job \d+$/.test(l))).to.have.length(20);
    const warnings = linesOf(r.stderr).filter((l) => l.includes('MaxSessions'));
    expect(warnings, r.stderr).to.have.length(1);
    expect(warnings[0]).to.match(/^rxjobs: warning: .*refused a session.*set the node's maxSessions to 2/);
    expect(r.stderr).not.to.contain('Channel open failure');
    expect(await noSessionsLeft(fleet)).to.equal(true);
  });
});
