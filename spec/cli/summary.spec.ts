import { expect } from 'chai';

import { failureSummary } from '../../lib/cli/summary.js';

describe('failureSummary', () => {
  it('names each failed host once: the label in front of the detail goes, the user@host:port tried stays', () => {
    const text = failureSummary('rxssh', 'hosts', [
      { label: 'fit01', ok: false, status: 'refused', detail: 'fit01: cannot connect: refused (3 attempts)' },
      {
        label: 'fit02',
        ok: false,
        status: 'auth failed',
        detail: 'fit02 (root@fit02): authentication refused (offered: agent)',
      },
      { label: 'fit03', ok: false, status: 'exit 3', detail: 'fit03x: not the label' },
      { label: 'fit04', ok: true, status: 'ok' },
    ]);
    expect(text.split('\n')).to.deep.equal([
      'rxssh: 3 of 4 hosts failed:',
      '  fit01  refused      cannot connect: refused (3 attempts)',
      '  fit02  auth failed  root@fit02: authentication refused (offered: agent)',
      '  fit03  exit 3       fit03x: not the label',
      '',
    ]);
  });
});
