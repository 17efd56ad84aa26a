// clush -b style gathering: gatherOutputs(), formatGathered(), OutputCollector.
import { expect } from 'chai';

import { formatGathered, gatherOutputs, OutputCollector } from '../../../lib/render/text/gather.js';

describe('gatherOutputs', () => {
  it('groups hosts with the same lines and status, in natural order', () => {
    const blocks = gatherOutputs([
      { host: 'fit10', lines: ['Linux'], status: 'exit 0' },
      { host: 'fit05', lines: ['Linux'], status: 'exit 0' },
      { host: 'fit02', lines: ['Linux'], status: 'exit 0' },
      { host: 'fit01', lines: ['Linux'], status: 'exit 0' },
      { host: 'fit03', lines: ['Linux'], status: 'exit 0' },
      { host: 'fit04', lines: ['Linux'], status: 'exit 3' },
      { host: 'fit9', lines: [], status: 'refused' },
    ]);
    expect(blocks).to.deep.equal([
      {
        hosts: ['fit01', 'fit02', 'fit03', 'fit05', 'fit10'],
        nodeset: 'fit[01-03,05,10]',
        status: 'exit 0',
        lines: ['Linux'],
      },
      { hosts: ['fit04'], nodeset: 'fit04', status: 'exit 3', lines: ['Linux'] },
      { hosts: ['fit9'], nodeset: 'fit9', status: 'refused', lines: [] },
    ]);
  });

  it('keeps hosts apart when their lines differ in order, number or text', () => {
    const blocks = gatherOutputs([
      { host: 'a1', lines: ['x', 'y'], status: 'exit 0' },
      { host: 'a2', lines: ['y', 'x'], status: 'exit 0' },
      { host: 'a3', lines: ['x', 'y', ''], status: 'exit 0' },
      { host: 'a4', lines: ['x,y'], status: 'exit 0' },
      { host: 'a5', lines: ['x', 'y'], status: 'exit 0' },
    ]);
    expect(blocks.map((b) => b.nodeset)).to.deep.equal(['a[1,5]', 'a2', 'a3', 'a4']);
  });

  it('gives no block for no output', () => {
    expect(gatherOutputs([])).to.deep.equal([]);
  });
});

describe('formatGathered', () => {
  it('writes one header per block between dashes, then its lines', () => {
    const text = formatGathered([
      {
        hosts: ['fit01', 'fit02', 'fit03', 'fit05'],
        nodeset: 'fit[01-03,05]',
        status: 'exit 0',
        lines: ['a', 'b'],
      },
      { hosts: ['gw'], nodeset: 'gw', status: 'killed by SIGTERM', lines: [] },
    ]);
    expect(text).to.equal(
      [
        '-------------------------------',
        'fit[01-03,05] (4)        exit 0',
        '-------------------------------',
        'a',
        'b',
        '------------------------------------------',
        'gw (1)                   killed by SIGTERM',
        '------------------------------------------',
        '(no output)',
        '',
      ].join('\n'),
    );
  });

  it('lines statuses up after the longest node set, and caps the dashes at 78', () => {
    const nodeset = `n[${Array.from({ length: 30 }, (_, i) => String(i * 2)).join(',')}]`;
    const text = formatGathered([
      { hosts: ['a'], nodeset: 'a', status: 'exit 1', lines: ['x'] },
      {
        hosts: Array.from({ length: 30 }, (_, i) => `n${String(i * 2)}`),
        nodeset,
        status: 'exit 0',
        lines: [],
      },
    ]);
    const lines = text.split('\n');
    const header = `${nodeset} (30) exit 0`;
    expect(lines[1]).to.equal(`a (1)${' '.repeat(header.length - 'exit 0'.length - 5)}exit 1`);
    expect(lines[5]).to.equal(header);
    expect(lines[4]).to.equal('-'.repeat(78));
    expect(text).not.to.contain('\u001b');
  });

  it('makes headers bold with color, and writes nothing for no blocks', () => {
    const text = formatGathered([{ hosts: ['h'], nodeset: 'h', status: 'exit 0', lines: ['x'] }], {
      color: true,
    });
    expect(text.split('\n')[1]).to.equal(`\u001b[1mh (1)                    exit 0\u001b[22m`);
    expect(formatGathered([])).to.equal('');
  });
});

describe('OutputCollector', () => {
  it("keeps each host's stdout lines, then its stderr lines, each stream in arrival order", () => {
    const collector = new OutputCollector();
    collector.add('h2', 'stdout', 'one');
    collector.add('h1', 'stderr', 'warning');
    collector.add('h2', 'stderr', 'two');
    collector.add('h2', 'stdout', 'three\nfour\n');
    collector.add('h1', 'stdout', '');
    collector.setStatus('h1', 'exit 1');
    collector.setStatus('h2', 'exit 0');
    collector.setStatus('h3', 'refused');
    expect(collector.outputs()).to.deep.equal([
      {
        host: 'h2',
        lines: ['one', 'three', 'four', 'two'],
        streams: ['stdout', 'stdout', 'stdout', 'stderr'],
        status: 'exit 0',
      },
      { host: 'h1', lines: ['', 'warning'], streams: ['stdout', 'stderr'], status: 'exit 1' },
      { host: 'h3', lines: [], streams: [], status: 'refused' },
    ]);
  });

  it('marks hosts without a status unfinished, and feeds gatherOutputs', () => {
    const collector = new OutputCollector();
    for (const host of ['n2', 'n1', 'n3']) {
      collector.add(host, 'stdout', 'same');
      collector.setStatus(host, 'exit 0');
    }
    collector.add('n4', 'stdout', 'same');
    const blocks = gatherOutputs(collector.outputs());
    expect(blocks.map((b) => [b.nodeset, b.status])).to.deep.equal([
      ['n[1-3]', 'exit 0'],
      ['n4', 'unfinished'],
    ]);
    collector.outputs()[0]?.lines.push('changed');
    expect(collector.outputs()[0]?.lines).to.deep.equal(['same']);
  });
});
