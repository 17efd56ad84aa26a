import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

import { expect } from 'chai';

import { fleetArgs, linesOf, runCli, useCliFleet } from '../helpers/cli.js';

const fingerprintOf = (base64: string): string =>
  `SHA256:${createHash('sha256').update(Buffer.from(base64, 'base64')).digest('base64').replace(/=+$/, '')}`;

describe('rxssh: the failure summary on an 80-column setting (real hosts)', function () {
  this.timeout(60_000);
  const { fleet, dir } = useCliFleet(5, 'rxssh-summary-');

  it('folds the hosts that failed the same way, cuts nothing, keeps both fingerprints and the ssh-keygen hint', async () => {
    const f = fleet();
    // a known_hosts where 127.0.0.5 is known under another key (the client's own public key, for one)
    const [otherType = '', otherKey = ''] = (await readFile(`${f.clientKey}.pub`, 'utf8'))
      .trim()
      .split(/\s+/);
    const known = (await readFile(f.knownHosts, 'utf8'))
      .split('\n')
      .map((line) =>
        line.startsWith('[127.0.0.5]:') ? `${line.split(' ')[0] ?? ''} ${otherType} ${otherKey}` : line,
      )
      .join('\n');
    const knownHosts = path.join(dir(), 'known_hosts');
    await writeFile(knownHosts, known);
    const args = fleetArgs(f).map((a) =>
      a === `UserKnownHostsFile=${f.knownHosts}` ? `UserKnownHostsFile=${knownHosts}` : a,
    );
    const command =
      'echo a command line long enough that the summary has to wrap it on 80 columns >/dev/null; exit 1';
    const r = await runCli('rxssh', [...args, '-t', '127.0.0.[2-6]', command], { env: { COLUMNS: '80' } });
    expect(r.code).to.equal(1);
    const lines = linesOf(r.stderr);
    expect(lines[0]).to.equal('rxssh: 5 of 5 hosts failed:');
    for (const line of lines) expect(line.length, line).to.be.at.most(79);
    // each reason starts a line with two spaces; its continuation lines with four
    const reasons = lines
      .slice(1)
      .join('\n')
      .split(/\n(?= {2}\S)/)
      .map((block) => block.replace(/\n {4}/g, ' '));
    expect(reasons).to.have.length(2);
    expect(reasons[0]).to.equal(`  127.0.0.[2-4,6]  exit 1            command "${command}" failed (exit 1)`);
    const port = String(f.port);
    expect(reasons[1])
      .to.match(/^ {2}127\.0\.0\.5 {8}host key changed {2}/)
      .and.contain(`it presented ${f.hostKeyFingerprint}`)
      .and.contain(fingerprintOf(otherKey))
      .and.contain(`(ssh-keygen -R '[127.0.0.5]:${port}')`)
      .and.match(/otherwise someone may be intercepting\.$/);
  });
});
