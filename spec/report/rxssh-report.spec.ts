// The report of a run recorded by rxssh on real sshd servers (each host a job), through the built CLIs.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { expect } from 'chai';

import { runCli, useCliFleet } from '../helpers/cli.js';

describe('rxjobs report of an rxssh run (real hosts)', function () {
  this.timeout(60_000);
  const { all, rxssh } = useCliFleet(3);

  it('has one bar per host, the failed host listed with its exit code, the outputs linked', async () => {
    const r = await rxssh([
      '-t',
      '127.0.0.[2-4]',
      'set -- $SSH_CONNECTION; echo "hi $3"; [ $3 != 127.0.0.3 ] || { echo "<b>bad</b> $3" >&2; exit 7; }',
    ]);
    expect(r.code, r.stderr).to.equal(1);
    const dir = r.recorded ?? '';
    expect(dir, r.stderr).not.to.equal('');
    const report = await runCli('rxjobs', ['report', dir]);
    expect(report.code, report.stderr).to.equal(0);
    const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    const hosts = all().slice(0, 3);
    expect(html.match(/<rect class="bar/g)).to.have.length(3);
    expect(html).to.include('<title>rxjobs report: rxssh set -- $SSH_CONNECTION;');
    const failures = html.slice(
      html.indexOf('id="failures"'),
      html.indexOf('</table>', html.indexOf('id="failures"')),
    );
    expect(failures).to.include('127.0.0.3').and.include('exit 7');
    expect(failures).not.to.include('127.0.0.2');
    expect(html).to.include('&lt;b&gt;bad&lt;/b&gt; 127.0.0.3');
    for (const host of hosts) expect(html).to.include(`<a href="outputs/${host}.out">`);
  });
});
