// The live view's text (issue 14 §3): the counts, the running jobs with their times, at most so many, each
// line clipped to the terminal, labels made safe, ASCII on demand.
import { expect } from 'chai';

import { formatElapsed, liveLines } from '../../../lib/render/text/live-text.js';
import type { LiveCounts, LiveSnapshot, LiveTextOptions } from '../../../lib/render/text/live-text.js';
import { clipText, terminalSafe, textColumns } from '../../../lib/render/text/terminal-safe.js';

const none: LiveCounts = {
  done: 0,
  failed: 0,
  tolerated: 0,
  skipped: 0,
  cancelled: 0,
  running: 0,
  waiting: 0,
};
const options: LiveTextOptions = { name: 'rxjobs', unit: 'jobs', width: 79, maxRows: 8, ascii: false };

describe('formatElapsed', () => {
  it('shows whole seconds, then minutes and seconds, then hours and minutes', () => {
    expect(
      [0, 999, 1000, 59_999, 60_000, 65_400, 3_599_000, 3_600_000, 7_380_000, -5].map(formatElapsed),
    ).to.deep.equal(['0s', '0s', '1s', '59s', '1m00s', '1m05s', '59m59s', '1h00m', '2h03m', '0s']);
  });
});

describe('liveLines', () => {
  it('counts the jobs (done, running, waiting always; the others when not 0) and the run time', () => {
    const snapshot: LiveSnapshot = {
      counts: {
        ...none,
        done: 10,
        failed: 1,
        tolerated: 2,
        skipped: 3,
        cancelled: 0,
        running: 0,
        waiting: 24,
      },
      rows: [],
      elapsed: 65_000,
    };
    expect(liveLines(snapshot, { ...options, width: 100 })).to.deep.equal([
      'rxjobs: 40 jobs, 10 done, 1 failed, 2 tolerated, 3 skipped, 0 running, 24 waiting, 1m05s',
    ]);
  });

  it('lists the running jobs, longest first as given, times right-aligned; a group counts its members', () => {
    const snapshot: LiveSnapshot = {
      counts: { ...none, done: 1, running: 3, waiting: 2 },
      rows: [
        {
          label: 'prepare fit[01-37]',
          elapsed: 40_000,
          members: { ...none, running: 12, done: 20, failed: 1, waiting: 4 },
        },
        { label: 'build', elapsed: 125_000 },
        { label: 'c', elapsed: 3_000 },
      ],
      elapsed: 130_000,
    };
    expect(liveLines(snapshot, options)).to.deep.equal([
      'rxjobs: 6 jobs, 1 done, 3 running, 2 waiting, 2m10s',
      '  prepare fit[01-37]: 12 running, 20 done, 1 failed, 4 waiting    40s',
      '  build                                                         2m05s',
      '  c                                                                3s',
    ]);
  });

  it('shows at most maxRows jobs, then how many more run (a last one is shown rather than counted)', () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({ label: `job${String(i)}`, elapsed: 1000 }));
    const snapshot: LiveSnapshot = { counts: { ...none, running: 20 }, rows, elapsed: 1000 };
    const lines = liveLines(snapshot, { ...options, maxRows: 8 });
    expect(lines).to.have.length(10);
    expect(lines[8]).to.equal('  job7  1s');
    expect(lines[9]).to.equal('  … and 12 more running');
    const nine = liveLines({ ...snapshot, rows: rows.slice(0, 9) }, { ...options, maxRows: 8 });
    expect(nine).to.have.length(10);
    expect(nine[9]).to.equal('  job8  1s');
    expect(liveLines(snapshot, { ...options, maxRows: 8, ascii: true })[9]).to.equal(
      '  ... and 12 more running',
    );
  });

  it('clips every line to the width, cutting a long label before its time', () => {
    const snapshot: LiveSnapshot = {
      counts: { ...none, running: 2, waiting: 1234 },
      rows: [
        { label: 'a-very-long-label-that-does-not-fit-in-thirty-columns', elapsed: 12_000 },
        { label: 'short', elapsed: 1000 },
      ],
      elapsed: 12_000,
    };
    const lines = liveLines(snapshot, { ...options, width: 30 });
    expect(lines).to.deep.equal([
      'rxjobs: 1236 jobs, 0 done, 2 …',
      '  a-very-long-label-that…  12s',
      '  short                     1s',
    ]);
    for (const line of liveLines(snapshot, { ...options, width: 12, ascii: true }))
      expect(line.length, line).to.be.at.most(12);
    expect(liveLines(snapshot, { ...options, width: 30, ascii: true })[1]).to.equal(
      '  a-very-long-label-th...  12s',
    );
  });

  it('strips escape sequences and control characters from labels (they come from scenario files)', () => {
    const snapshot: LiveSnapshot = {
      counts: { ...none, running: 1 },
      rows: [{ label: 'evil\x1b[2J\x1b[H\x1b]0;pwned\x07\r\nlabel\x9b31m\u202e', elapsed: 0 }],
      elapsed: 0,
    };
    const lines = liveLines(snapshot, { ...options, name: 'rx\x1bjobs' });
    expect(lines[1]).to.equal('  evil  label  0s');
    expect(lines.join('')).not.to.match(new RegExp(String.raw`[\u0000-\u001f\u007f-\u009f\u202e]`));
  });
});

describe('liveLines on a non-UTF-8 locale', () => {
  it('writes ASCII only: × as x, any other non-ASCII character as ?', () => {
    const snapshot: LiveSnapshot = {
      counts: { ...none, running: 2 },
      rows: [
        { label: 'pairs fit01×fit02', elapsed: 0, members: { ...none, running: 1 } },
        { label: 'mesure-été', elapsed: 0 },
      ],
      elapsed: 0,
    };
    expect(liveLines(snapshot, { ...options, ascii: true })).to.deep.equal([
      'rxjobs: 2 jobs, 0 done, 2 running, 0 waiting, 0s',
      '  pairs fit01xfit02: 1 running, 0 done  0s',
      '  mesure-?t?                            0s',
    ]);
  });
});

describe('terminalSafe, clipText', () => {
  it('removes CSI, OSC and two-byte escapes, and turns other controls into spaces', () => {
    expect(terminalSafe('a\x1b[1;31mred\x1b[0m b')).to.equal('ared b');
    expect(terminalSafe('t\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\')).to.equal('tlink');
    expect(terminalSafe('x\x1b7y\x1bcz\tw\x7f')).to.equal('xyz w ');
    expect(terminalSafe('fit[01-37] ×3')).to.equal('fit[01-37] ×3');
  });

  it('counts non-ASCII characters as two columns, so that a clipped line never wraps', () => {
    expect(textColumns('ab')).to.equal(2);
    expect(textColumns('日本')).to.equal(4);
    expect(clipText('日本語のラベル', 7, '...')).to.equal('日本...');
    expect(clipText('short', 7, '...')).to.equal('short');
    expect(clipText('abcdef', 2, '...')).to.equal('');
  });
});
