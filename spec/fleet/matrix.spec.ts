import { expect } from 'chai';

import { ConfigError, LocalNode, matrix, NodeGroup } from '../../lib/index.js';
import { thrown } from '../helpers/errors.js';

const message = (f: () => unknown): string => {
  const e = thrown(f);
  expect(e).to.be.instanceOf(ConfigError);
  return (e as ConfigError).message;
};

describe('matrix()', () => {
  const fits = NodeGroup.of(['fit01', 'fit02', 'fit03'].map((label) => new LocalNode({ label })));

  it('makes the product in axis order, the first axis slowest, with keys and variables', () => {
    const instances = matrix({ sender: fits, size: [100, 1000] });
    expect(instances.map((i) => i.key)).to.deep.equal([
      'fit01,100',
      'fit01,1000',
      'fit02,100',
      'fit02,1000',
      'fit03,100',
      'fit03,1000',
    ]);
    const first = instances[0];
    expect(first?.vars).to.deep.equal({ sender: 'fit01', size: '100', instance: 'fit01-100' });
    expect(first?.values['size']).to.equal(100);
    expect(first?.node('sender')).to.equal(fits.nodes[0]);
    expect(instances.map((i) => i.index)).to.deep.equal([0, 1, 2, 3, 4, 5]);
  });

  it('filters with where (a function or the filter language) and exclude, keeping product indices', () => {
    const pairs = matrix({ sender: fits, receiver: fits }, { where: (v) => v['sender'] !== v['receiver'] });
    expect(pairs.map((i) => i.key)).to.deep.equal([
      'fit01,fit02',
      'fit01,fit03',
      'fit02,fit01',
      'fit02,fit03',
      'fit03,fit01',
      'fit03,fit02',
    ]);
    const text = matrix(
      { sender: fits, receiver: fits },
      {
        where: 'sender != receiver',
        exclude: [{ sender: 'fit01' }, { sender: fits.nodes[1] as LocalNode, receiver: 'fit03' }],
      },
    );
    expect(text.map((i) => `${String(i.index)}:${i.key}`)).to.deep.equal([
      '3:fit02,fit01',
      '6:fit03,fit01',
      '7:fit03,fit02',
    ]);
  });

  it('makes `instance` safe in a file name', () => {
    const [one] = matrix({ dir: ['a/b c'], host: ['127.0.0.2'] });
    expect(one?.vars['instance']).to.equal('a_b_c-127.0.0.2');
    expect(one?.key).to.equal('a/b c,127.0.0.2');
  });

  it('refuses more than 100,000 instances before filtering', () => {
    const big = Array.from({ length: 400 }, (_, i) => i);
    expect(message(() => matrix({ a: big, b: big }, { where: () => false }))).to.equal(
      'matrix(): axes make 160000 instances (a 400 × b 400), more than the 100000 allowed before filtering: ' +
        'split the matrix, or use smaller axes',
    );
    expect(matrix({ a: big, b: big.slice(0, 250) }, { where: 'a == b' })).to.have.length(250);
  });

  it('refuses bad axes and filters from plain JavaScript, naming the field', () => {
    expect(message(() => matrix([fits] as never))).to.match(
      /^matrix\(\): axes must be an object of named axes/,
    );
    expect(message(() => matrix({}))).to.equal('matrix(): axes must name at least one axis');
    expect(message(() => matrix({ 'a-b': [1] }))).to.match(
      /^matrix\(\): axes\.a-b is not a usable axis name/,
    );
    expect(message(() => matrix({ instance: [1] }))).to.match(/axes\.instance is not a usable axis name/);
    // from JSON, __proto__ is an own key: refused, not dropped (it would make no axis)
    for (const name of ['__proto__', 'constructor', 'prototype'])
      expect(
        message(() => matrix(JSON.parse(`{"${name}": [1, 2], "b": [3]}`) as Record<string, number[]>)),
      ).to.match(new RegExp(`axes\\.${name} is not a usable axis name`));
    expect(message(() => matrix({ a: [] }))).to.equal('matrix(): axes.a is empty: the matrix would be empty');
    expect(message(() => matrix({ a: [1, {}] } as never))).to.match(
      /axes\.a\[1\] must be a string, a number or a boolean/,
    );
    expect(message(() => matrix({ a: [fits.nodes[0]] } as never))).to.match(
      /axes\.a\[0\] is a node: make the axis a group/,
    );
    expect(message(() => matrix({ a: [1, '1'] }))).to.match(/axes\.a\[1\] repeats the value "1"/);
    expect(message(() => matrix({ a: 'fit[01-03]' } as never))).to.match(
      /axes\.a must be a NodeGroup or a list of values/,
    );
    expect(message(() => matrix({ a: [1] }, { wher: 'a == 1' } as never))).to.match(
      /wher is not an option of matrix\(\)/,
    );
    expect(message(() => matrix({ a: [1] }, { where: 3 } as never))).to.match(/where must be a function/);
    expect(message(() => matrix({ a: [1] }, { where: 'b == 1' }))).to.match(
      /"b" at column 1 is not a variable/,
    );
    expect(message(() => matrix({ a: [1] }, { exclude: { a: 1 } } as never))).to.match(
      /exclude must be a list/,
    );
    expect(message(() => matrix({ a: [1] }, { exclude: [{ b: 1 }] }))).to.match(
      /exclude\[0\]\.b is not an axis \(axes: a\)/,
    );
    expect(message(() => matrix({ a: [1] }, { exclude: [{ a: 2 }] }))).to.match(
      /exclude\[0\]\.a is not a value of axis a, got number 2/,
    );
    expect(message(() => matrix({ a: [1, 2] }, { exclude: [{ a: 1 }, {}] }))).to.equal(
      'matrix(): exclude[1] is empty: name at least one axis (an empty entry would exclude every instance)',
    );
    expect(message(() => matrix({ a: [1] }, { exclude: [[]] as never }))).to.match(
      /exclude\[0\] must be an object such as \{ sender: 'fit01' \}, got/,
    );
    expect(
      message(() =>
        matrix({ a: [1] })
          .at(0)
          ?.node('a'),
      ),
    ).to.match(/"a" is not a node axis \(node axes: none\)/);
  });
});
