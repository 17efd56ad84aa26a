import { expect } from 'chai';

import { failureSummary, summaryColumns, wrapLine } from '../../lib/cli/summary.js';

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

describe('failureSummary: folded hosts and wrapped lines', () => {
  const exit1 = (label: string) => ({
    label,
    ok: false,
    status: 'exit 1',
    detail: `${label}: command "test -e /etc/marker" failed (exit 1)\n  stderr: nope`,
  });
  const changed = {
    label: '127.0.0.9',
    ok: false,
    status: 'host key changed',
    detail:
      "[127.0.0.9]:2222: host key changed: it presented SHA256:Bq3xmtTjqJz3Zm4ThvVV0jvYVUx5pr0hyYUpkVy1Drg, known (/home/someone/.ssh/known_hosts) as SHA256:7ZhRWP1ImG0cSeyo9D1+OAAiYjzOF0C6vnSrVnzbg1k. If the host was reinstalled, remove its old entry (ssh-keygen -R '[127.0.0.9]:2222'); otherwise someone may be intercepting.",
  };

  it('folds the hosts that failed the same way into one line, as -b folds outputs', () => {
    const text = failureSummary('rxssh', 'hosts', [
      exit1('127.0.0.21'),
      exit1('127.0.0.14'),
      { label: '127.0.0.15', ok: true, status: 'ok' },
      exit1('127.0.0.16'),
      { ...exit1('127.0.0.17'), status: 'exit 2', detail: '127.0.0.17: command "x" failed (exit 2)' },
      exit1('127.0.0.22'),
      exit1('127.0.0.23'),
    ]);
    expect(text.split('\n')).to.deep.equal([
      'rxssh: 6 of 7 hosts failed:',
      '  127.0.0.[14,16,21-23]  exit 1  command "test -e /etc/marker" failed (exit 1)',
      '  127.0.0.17             exit 2  command "x" failed (exit 2)',
      '',
    ]);
  });

  it('orders reasons by their first host in the results (the order of the targets)', () => {
    const refused = (label: string) => ({
      label,
      ok: false,
      status: 'refused',
      detail: `${label} (root@${label}:2222): cannot connect: refused (3 attempts)`,
    });
    const text = failureSummary('rxssh', 'hosts', [refused('b2'), exit1('a1'), refused('b1'), exit1('a3')]);
    // the user@host:port tried, shared by several hosts, shows where each one's name goes
    expect(text.split('\n')).to.deep.equal([
      'rxssh: 4 of 4 hosts failed:',
      '  b[1-2]  refused  root@<host>:2222: cannot connect: refused (3 attempts)',
      '  a[1,3]  exit 1   command "test -e /etc/marker" failed (exit 1)',
      '',
    ]);
  });

  it('wraps at the width and cuts nothing: both fingerprints and the ssh-keygen hint stay', () => {
    const long = `${'echo this command line is long enough to need more than one line; '.repeat(2)}false`;
    const text = failureSummary(
      'rxssh',
      'hosts',
      [
        changed,
        {
          label: '127.0.0.3',
          ok: false,
          status: 'exit 1',
          detail: `127.0.0.3: command "${long}" failed (exit 1)`,
        },
      ],
      80,
    );
    const lines = text.replace(/\n$/, '').split('\n');
    for (const line of lines) expect(line.length, line).to.be.at.most(79);
    // the continuation lines, joined back, give every word
    const joined = lines
      .slice(1)
      .map((l) => l.replace(/^ {4}(?=\S)/, ' ').trim())
      .join(' ');
    expect(joined).to.contain('SHA256:Bq3xmtTjqJz3Zm4ThvVV0jvYVUx5pr0hyYUpkVy1Drg');
    expect(joined).to.contain('SHA256:7ZhRWP1ImG0cSeyo9D1+OAAiYjzOF0C6vnSrVnzbg1k');
    expect(joined).to.contain("(ssh-keygen -R '[127.0.0.9]:2222');");
    expect(joined).to.contain(`"${long}" failed (exit 1)`);
    expect(lines[1]).to.match(/^ {2}127\.0\.0\.9 {2}host key changed {2}\[127\.0\.0\.9\]:2222: host key/);
    expect(lines[2]).to.match(/^ {4}\S/);
  });

  it('keeps each line whole without a width (not a terminal)', () => {
    const text = failureSummary('rxssh', 'hosts', [changed]);
    expect(text.split('\n')[1]).to.equal(`  127.0.0.9  host key changed  ${changed.detail}`);
  });

  it('counts the hosts of the reasons beyond the first 20', () => {
    const many = Array.from({ length: 23 }, (_, i) => ({
      label: `h${String(i)}`,
      ok: false,
      status: `exit ${String(i + 1)}`,
      detail: `h${String(i)}: command "x" failed (exit ${String(i + 1)})`,
    }));
    const lines = failureSummary('rxssh', 'hosts', [...many, exit1('h30'), exit1('h31')]).split('\n');
    expect(lines).to.have.length(1 + 20 + 1 + 1);
    expect(lines[21]).to.equal(
      '  ... and 5 more failed in other ways (all of them with --json, or -o DIR --mark)',
    );
  });
});

describe('wrapLine', () => {
  it('never cuts a word longer than the line: it gets a line of its own', () => {
    const word = 'x'.repeat(60);
    expect(wrapLine('  head  ', `a ${word} b`, 40)).to.deep.equal(['  head  a', `    ${word}`, '    b']);
  });

  it('puts the text under a head too long to share its line', () => {
    expect(wrapLine(`  ${'h'.repeat(36)}  `, 'some words', 40)).to.deep.equal([
      `  ${'h'.repeat(36)}`,
      '    some words',
    ]);
  });
});

describe('summaryColumns', () => {
  const notATerminal = { isTTY: false, columns: 200 } as unknown as NodeJS.WriteStream;
  const terminal = { isTTY: true, columns: 120 } as unknown as NodeJS.WriteStream;

  it('takes $COLUMNS first, then the width of a terminal, else none', () => {
    expect(summaryColumns(notATerminal, { COLUMNS: '80' })).to.equal(80);
    expect(summaryColumns(terminal, { COLUMNS: '80' })).to.equal(80);
    expect(summaryColumns(terminal, {})).to.equal(120);
    expect(summaryColumns(notATerminal, { COLUMNS: 'wide' })).to.equal(undefined);
    expect(summaryColumns(notATerminal, {})).to.equal(undefined);
  });
});
