// Host ranges (ClusterShell node sets): expandHostRanges(), foldHosts(), splitTopLevel(), natural order.
import { expect } from 'chai';

import {
  expandHostList,
  compareHostsNaturally,
  expandHostRanges,
  foldHosts,
  maxHostRangeExpansion,
  splitTopLevel,
} from '../../lib/hosts/host-ranges.js';
import { TargetError } from '../../lib/errors/target-error.js';
import { isJobsError } from '../../lib/errors/jobs-error.js';
import { thrown } from '../helpers/errors.js';

const rangeError = (text: string): TargetError => {
  const e = thrown(() => expandHostRanges(text));
  expect(e).to.be.instanceOf(TargetError);
  return e as TargetError;
};

describe('expandHostRanges', () => {
  it('keeps a text without brackets as one name', () => {
    expect(expandHostRanges('fit01')).to.deep.equal(['fit01']);
    expect(expandHostRanges('root@gw->node.example.org')).to.deep.equal(['root@gw->node.example.org']);
  });

  it('expands a zero-padded range to the width of its bounds', () => {
    const names = expandHostRanges('fit[01-37]');
    expect(names).to.have.length(37);
    expect(names.slice(0, 3)).to.deep.equal(['fit01', 'fit02', 'fit03']);
    expect(names.at(-1)).to.equal('fit37');
    expect(expandHostRanges('n[08-11]')).to.deep.equal(['n08', 'n09', 'n10', 'n11']);
    expect(expandHostRanges('n[098-101]')).to.deep.equal(['n098', 'n099', 'n100', 'n101']);
    expect(expandHostRanges('n[001-3]')).to.deep.equal(['n001', 'n002', 'n003']);
  });

  it('expands unpadded ranges and single numbers as written', () => {
    expect(expandHostRanges('node[1-3,7]')).to.deep.equal(['node1', 'node2', 'node3', 'node7']);
    expect(expandHostRanges('node[9-11]')).to.deep.equal(['node9', 'node10', 'node11']);
    expect(expandHostRanges('node[007,8]')).to.deep.equal(['node007', 'node8']);
    expect(expandHostRanges('node[0-1]')).to.deep.equal(['node0', 'node1']);
    expect(expandHostRanges('node[5]')).to.deep.equal(['node5']);
  });

  it('gives the cartesian product of several groups, the first varying slowest', () => {
    expect(expandHostRanges('r[1-2]n[1-2]')).to.deep.equal(['r1n1', 'r1n2', 'r2n1', 'r2n2']);
    expect(expandHostRanges('fit[1-2]->n[1-2]')).to.deep.equal([
      'fit1->n1',
      'fit1->n2',
      'fit2->n1',
      'fit2->n2',
    ]);
  });

  it('accepts brackets anywhere, and spaces around items', () => {
    expect(expandHostRanges('[1-2].example.org')).to.deep.equal(['1.example.org', '2.example.org']);
    expect(expandHostRanges('10.0.[1-2].[5, 7]')).to.deep.equal([
      '10.0.1.5',
      '10.0.1.7',
      '10.0.2.5',
      '10.0.2.7',
    ]);
  });

  it('keeps IPv6 addresses in brackets as they are', () => {
    expect(expandHostRanges('[::1]:22')).to.deep.equal(['[::1]:22']);
    expect(expandHostRanges('root@[fe80::1%eth0]:[22-23]')).to.deep.equal([
      'root@[fe80::1%eth0]:22',
      'root@[fe80::1%eth0]:23',
    ]);
  });

  it('drops duplicates from overlapping items', () => {
    expect(expandHostRanges('n[1-3,2-4]')).to.deep.equal(['n1', 'n2', 'n3', 'n4']);
  });

  it('refuses a descending range, saying how to write it', () => {
    const e = rangeError('fit[3-1]');
    expect(e.message).to.equal('fit[3-1]: range 3-1 is descending: write fit[1-3]');
    expect(e.code).to.equal('target');
    expect(e.target).to.equal('fit[3-1]');
    expect(isJobsError(e, 'target')).to.equal(true);
    expect(rangeError('a[13-14,3-1]b').message).to.equal(
      'a[13-14,3-1]b: range 3-1 is descending: write a[13-14,1-3]b',
    );
    expect(rangeError('n[9-1/2]').message).to.equal('n[9-1/2]: range 9-1/2 is descending: write n[1-9/2]');
  });

  it('refuses empty and non-numeric items', () => {
    expect(rangeError('fit[]').message).to.equal(
      'fit[]: empty brackets []: write numbers inside, like node[1-3,7]',
    );
    expect(rangeError('fit[1,,3]').message).to.equal(
      'fit[1,,3]: empty item in [1,,3]: write numbers like [1-3,7]',
    );
    expect(rangeError('fit[a-c]').message).to.equal(
      'fit[a-c]: "a-c" in [a-c] is neither a number nor a range of numbers like 1-3 (or 1-9/2, every other one)',
    );
    expect(rangeError('fit[1-]').message).to.equal(
      'fit[1-]: "1-" in [1-] is neither a number nor a range of numbers like 1-3 (or 1-9/2, every other one)',
    );
    expect(rangeError('fit[5/2]').message).to.equal(
      'fit[5/2]: "5/2" in [5/2] is neither a number nor a range of numbers like 1-3 (or 1-9/2, every other one)',
    );
    expect(rangeError('fit[1-3/]').message).to.contain('"1-3/"');
    expect(rangeError('fit[1-3/0]').message).to.equal(
      'fit[1-3/0]: range 1-3/0 has a step of 0: write 1 or more after the /',
    );
  });

  it('expands a range with a step (ClusterShell), keeping the padding and the high bound only when reached', () => {
    expect(expandHostRanges('n[1-10/3]')).to.deep.equal(['n1', 'n4', 'n7', 'n10']);
    expect(expandHostRanges('n[1-9/2]')).to.deep.equal(['n1', 'n3', 'n5', 'n7', 'n9']);
    expect(expandHostRanges('n[2-9/2]')).to.deep.equal(['n2', 'n4', 'n6', 'n8']);
    expect(expandHostRanges('fit[01-09/4]')).to.deep.equal(['fit01', 'fit05', 'fit09']);
    expect(expandHostRanges('n[1-3/1]')).to.deep.equal(['n1', 'n2', 'n3']);
    expect(expandHostRanges('n[1-3/5]')).to.deep.equal(['n1']);
    expect(expandHostRanges('n[1-4/2,10]r[1-2]')).to.deep.equal([
      'n1r1',
      'n1r2',
      'n3r1',
      'n3r2',
      'n10r1',
      'n10r2',
    ]);
    // the limit counts the numbers the step gives, not the span
    expect(expandHostRanges('n[1-300000/3]')).to.have.length(100_000);
    expect(rangeError('n[1-300003/3]').message).to.contain('has 100001 numbers');
  });

  it('refuses unbalanced and nested brackets', () => {
    expect(rangeError('fit[1-3').message).to.equal(
      'fit[1-3: unbalanced brackets: "[" at position 4 has no "]" after it',
    );
    expect(rangeError('fit1-3]').message).to.equal(
      'fit1-3]: unbalanced brackets: "]" at position 7 has no "[" before it',
    );
    expect(rangeError('fit[1[2]]').message).to.equal(
      'fit[1[2]]: nested brackets at position 6: write ranges like node[1-3,7]',
    );
  });

  it('refuses to expand to more than 100000 names', () => {
    expect(maxHostRangeExpansion).to.equal(100_000);
    expect(expandHostRanges('n[1-100000]')).to.have.length(100_000);
    expect(rangeError('n[1-400]m[1-400]').message).to.equal(
      'n[1-400]m[1-400]: expands to 160000 names, more than the 100000 allowed: split it into smaller ranges',
    );
    expect(rangeError('n[1-99999999999]').message).to.equal(
      'n[1-99999999999]: range 1-99999999999 has 99999999999 numbers, more than the 100000 allowed: ' +
        'split it into smaller ranges',
    );
    expect(rangeError('n[1-99999999999999999999]').message).to.contain('too large');
  });
});

describe('splitTopLevel', () => {
  it('splits on the given characters outside brackets only', () => {
    expect(splitTopLevel('fit[1,3] node2,node[4-5]', ' ,')).to.deep.equal(['fit[1,3]', 'node2', 'node[4-5]']);
    expect(splitTopLevel('a[1,2]b[3,4],c', ',')).to.deep.equal(['a[1,2]b[3,4]', 'c']);
  });

  it('keeps empty parts and ignores a stray closing bracket', () => {
    expect(splitTopLevel('a,,b,', ',')).to.deep.equal(['a', '', 'b', '']);
    expect(splitTopLevel('', ',')).to.deep.equal(['']);
    expect(splitTopLevel('a],b', ',')).to.deep.equal(['a]', 'b']);
  });
});

describe('compareHostsNaturally', () => {
  it('orders digit runs by value and the rest by characters', () => {
    const hosts = ['fit10', 'fit9', 'fit01', 'fit1', 'gw', '127.0.0.10', '127.0.0.9', 'fit', 'fit2a', 'fit2'];
    expect([...hosts].sort(compareHostsNaturally)).to.deep.equal([
      '127.0.0.9',
      '127.0.0.10',
      'fit',
      'fit1',
      'fit01',
      'fit2',
      'fit2a',
      'fit9',
      'fit10',
      'gw',
    ]);
  });

  it('is a total order', () => {
    expect(compareHostsNaturally('a', 'a')).to.equal(0);
    expect(compareHostsNaturally('n01', 'n1')).to.be.greaterThan(0);
    expect(compareHostsNaturally('n1', 'n01')).to.be.lessThan(0);
  });
});

describe('foldHosts', () => {
  it('folds names that differ in their last digits, keeping the padding', () => {
    expect(foldHosts(['fit01', 'fit02', 'fit03', 'fit05'])).to.equal('fit[01-03,05]');
    expect(foldHosts(['node3', 'node1', 'node2', 'node7'])).to.equal('node[1-3,7]');
    expect(foldHosts(['n08', 'n09', 'n10', 'n11'])).to.equal('n[08-11]');
    expect(foldHosts(['n9', 'n10', 'n11'])).to.equal('n[9-11]');
  });

  it('keeps a lone name plain and names without digits as they are', () => {
    expect(foldHosts(['fit01'])).to.equal('fit01');
    expect(foldHosts(['gw', 'fit02', 'fit01', 'alpha'])).to.equal('alpha,fit[01-02],gw');
    expect(foldHosts([])).to.equal('');
  });

  it('sorts naturally and drops duplicates', () => {
    expect(foldHosts(['fit10', 'fit2', 'fit2', 'fit1', 'fit9'])).to.equal('fit[1-2,9-10]');
    expect(foldHosts(['b1', 'a2', 'a1', 'b2', 'c1'])).to.equal('a[1-2],b[1-2],c1');
  });

  it('folds on the last octet of IPv4 addresses', () => {
    const ips = [2, 3, 4, 5, 6, 7, 8, 9].map((n) => `127.0.0.${String(n)}`);
    expect(foldHosts(ips)).to.equal('127.0.0.[2-9]');
    expect(foldHosts(['10.0.1.1', '10.0.2.1', '10.0.1.2'])).to.equal('10.0.1.[1-2],10.0.2.1');
  });

  it('keeps different paddings apart, and suffixes', () => {
    expect(foldHosts(['n1', 'n01', 'n2', 'n02'])).to.equal('n[1-2,01-02]');
    expect(foldHosts(['r1n1.x', 'r1n2.x', 'r2n1.x'])).to.equal('r1n[1-2].x,r2n1.x');
    expect(foldHosts(['[::1]:22', '[::1]:23', '[::1]', '[::2]'])).to.equal('[::1],[::1]:[22-23],[::2]');
  });

  it('folds to node sets that expand back to the unique names (generated lists)', () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const prefixes = ['fit', 'node-', 'r1n', '', '127.0.0.', 'a.b', 'x9y'];
    const suffixes = ['', '.example.org', '-ib', 'z'];
    for (let round = 0; round < 300; round += 1) {
      const hosts: string[] = [];
      for (let i = random(12); i >= 0; i -= 1) {
        const number = String(random(i % 3 === 0 ? 1200 : 15));
        const padded = random(3) === 0 ? number.padStart(random(4) + 1, '0') : number;
        const plain = random(10) === 0;
        const prefix = prefixes[random(prefixes.length)] ?? '';
        const suffix = suffixes[random(suffixes.length)] ?? '';
        hosts.push(plain ? `host${suffix.replace(/\d/g, '')}` : `${prefix}${padded}${suffix}`);
      }
      const folded = foldHosts(hosts);
      const back = splitTopLevel(folded, ',').flatMap((part) => expandHostRanges(part));
      const expected = [...new Set(hosts)].sort(compareHostsNaturally);
      // each name once; in natural order within a part, but parts may interleave (fit[1,3],fit2a)
      expect([...back].sort(compareHostsNaturally), `${hosts.join(' ')} -> ${folded}`).to.deep.equal(
        expected,
      );
    }
  });
});

describe('expandHostList', () => {
  it('splits at the commas outside brackets, expands each item, and keeps each name once, in order', () => {
    expect(expandHostList('fit[1-3],fit[2-4]')).to.deep.equal(['fit1', 'fit2', 'fit3', 'fit4']);
    expect(expandHostList('gw, n[1,3] ,')).to.deep.equal(['gw', 'n1', 'n3']);
  });

  it('refuses a bad item, and a list whose items together name too many hosts', () => {
    expect(thrown(() => expandHostList('a,fit[3-1]'))).to.be.instanceOf(TargetError);
    expect(thrown(() => expandHostList('a[1-60000],b[1-60000]'))).to.be.instanceOf(TargetError);
  });
});
