import { expect } from 'chai';

import { ConfigError, matrix, parseWhere } from '../../lib/index.js';
import { thrown } from '../helpers/errors.js';

const message = (f: () => unknown): string => {
  const e = thrown(f);
  expect(e).to.be.instanceOf(ConfigError);
  return (e as ConfigError).message;
};

describe('parseWhere', () => {
  const vars = { sender: 'fit01', receiver: 'fit02', size: '100' };

  it('compares variables and literals with == and !=, joined by and, or, not and parentheses', () => {
    expect(parseWhere('sender != receiver and size == 100')(vars)).to.equal(true);
    expect(parseWhere('sender == receiver or size == 1000')(vars)).to.equal(false);
    expect(parseWhere("sender == 'fit01'")(vars)).to.equal(true);
    expect(parseWhere('sender == "fit02"')(vars)).to.equal(false);
    expect(parseWhere('not (sender == receiver)')(vars)).to.equal(true);
    // and binds tighter than or
    expect(parseWhere('size == 1 and sender == receiver or size == 100')(vars)).to.equal(true);
    expect(parseWhere('size == 1 and (sender == receiver or size == 100)')(vars)).to.equal(false);
    expect(parseWhere('size != -1', { names: ['size'] })(vars)).to.equal(true);
  });

  it('says where a filter is wrong, and what to write instead', () => {
    expect(message(() => parseWhere('sender = receiver'))).to.equal(
      'where: where "sender = receiver": unexpected "=" at column 8 (compare with ==)',
    );
    expect(message(() => parseWhere('sender != receiver && size == 1'))).to.match(
      /unexpected "&" at column 20 \(write and, or\)$/,
    );
    expect(message(() => parseWhere('sender !=', { subject: 'matrix "pairs"' }))).to.equal(
      'matrix "pairs": where "sender !=": expected a variable or a value at column 10, found the end',
    );
    expect(message(() => parseWhere('(sender != receiver'))).to.match(/expected "\)" at column 20/);
    expect(message(() => parseWhere('sender != receiver size'))).to.match(/expected and, or, or the end/);
    expect(message(() => parseWhere("sender == 'fit01"))).to.match(/the quote at column 11 is never closed/);
    expect(message(() => parseWhere(''))).to.match(/where must be a non-empty filter/);
    expect(message(() => parseWhere(42 as never))).to.match(/where must be a non-empty filter/);
    expect(message(() => parseWhere('sendr != receiver', { names: ['sender', 'receiver'] }))).to.equal(
      `where: where "sendr != receiver": "sendr" at column 1 is not a variable (did you mean "sender"?); ` +
        `known: sender, receiver; quote a value: 'sendr'`,
    );
    // without the names, an unknown one fails when evaluated
    expect(message(() => parseWhere('sendr != receiver')(vars))).to.match(
      /"sendr" is not a variable \(known: sender, receiver, size\)/,
    );
  });

  it('refuses a filter nested deeper than 100 or longer than 10,000 characters, quoting only its start', () => {
    const deep = `${'('.repeat(150)}sender != receiver${')'.repeat(150)}`;
    expect(message(() => parseWhere(deep))).to.match(
      /…": more than 100 nested parentheses or nots at column/,
    );
    expect(message(() => parseWhere(`${'not '.repeat(20_000)}sender == receiver`))).to.match(
      /is 80018 characters long, more than the 10000 allowed/,
    );
    expect(parseWhere(`${'not '.repeat(100)}sender == receiver`)(vars)).to.equal(false);
  });

  it('compares numbers as numbers when both sides read as numbers, true and false as values', () => {
    const keep = (text: string, x: string): boolean => parseWhere(text, { names: ['x'] })({ x });
    expect(keep('x == 1.0', '1')).to.equal(true);
    expect(keep('x == 01', '1')).to.equal(true);
    expect(keep('x != 1e0', '1')).to.equal(false);
    expect(keep('x == -0.5', '-0.5')).to.equal(true);
    expect(keep('x == 1.0', '2')).to.equal(false);
    // a quoted literal is text, and so is what does not read as a decimal number
    expect(keep("x == '01'", '1')).to.equal(false);
    expect(keep("x == '1'", '1')).to.equal(true);
    expect(keep('x == 0x1', '1')).to.equal(false);
    expect(keep('x == true', 'true')).to.equal(true);
    expect(keep('x != false', 'true')).to.equal(true);
    expect(
      matrix({ x: [1, 2], b: [true, false] }, { where: 'x == 1.0 and b == true' }).map((i) => i.key),
    ).to.deep.equal(['1,true']);
  });
});
