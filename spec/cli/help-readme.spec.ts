import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from 'chai';

import { RXJOBS_HELP } from '../../lib/cli/rxjobs-options.js';
import { RXSSH_HELP } from '../../lib/cli/rxssh-options.js';
import { REPORT_HELP } from '../../lib/cli/rxjobs-report.js';
import { parseScenario } from '../../lib/scenario/load.js';
import { buildScenario } from '../../lib/scenario/build.js';

describe('the CLI help texts', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

  for (const [name, help] of [
    ['rxssh', RXSSH_HELP],
    ['rxjobs', RXJOBS_HELP],
    ['rxjobs report', REPORT_HELP],
  ] as const)
    it(`${name} --help is in the README's command-line section, word for word`, () => {
      const section = readme.slice(readme.indexOf('## Command line'));
      expect(section.indexOf('## Command line'), 'README has a "## Command line" section').to.equal(0);
      expect(section).to.include(`\`\`\`text\n$ ${name} --help\n${help}\n\`\`\``);
    });

  it('keeps every help line within 110 columns', () => {
    for (const line of [...RXSSH_HELP.split('\n'), ...RXJOBS_HELP.split('\n'), ...REPORT_HELP.split('\n')])
      expect(line.length, line).to.be.at.most(110);
  });

  it("the README's scenario example is a valid scenario", () => {
    const section = readme.slice(readme.indexOf('### Scenario files'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(yaml, 'a yaml block').to.be.a('string');
    const dir = mkdtempSync(join(tmpdir(), 'rxjobs-readme-'));
    try {
      mkdirSync(join(dir, 'conf'));
      for (const f of ['prepare.sh', 'common.sh', 'conf/iperf.conf']) writeFileSync(join(dir, f), '');
      const loaded = parseScenario(yaml ?? '', join(dir, 'experiment.yaml'));
      expect(loaded._tag === 'Left' ? loaded.left : []).to.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the README's testbed example is a valid scenario: 105 jobs on 38 hosts", () => {
    const section = readme.slice(readme.indexOf('#### A testbed in one file'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(yaml, 'a yaml block').to.be.a('string');
    const dir = mkdtempSync(join(tmpdir(), 'rxjobs-readme-'));
    try {
      writeFileSync(join(dir, 'angle-measure.sh'), '');
      const loaded = parseScenario(yaml ?? '', join(dir, 'testbed.yaml'), { variables: { gwuser: 'me' } });
      if (loaded._tag === 'Left') expect.fail(loaded.left.map((p) => p.message).join('\n'));
      const built = buildScenario(loaded.right);
      expect(built.jobs.size).to.equal(105);
      expect(new Set([...built.nodes.values()].map((n) => n.label)).size).to.equal(38);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
