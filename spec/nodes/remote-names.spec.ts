// The escaped local name of a remote name that is not UTF-8 (lib/nodes/remote-names.ts): exact, reversible,
// never `.`, `..` or a name that a valid UTF-8 name is (a % of an escaped name is %25).
import { expect } from 'chai';

import { escapedName, unescapedName } from '../../lib/nodes/remote-names.js';

const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe('remote-names', () => {
  it('keeps a name that is valid UTF-8 as it is (undefined: no escaping), % included', () => {
    for (const name of ['ok.txt', '100%.txt', 'été', '日本', '🦀', '.', '..', 'a%FF'])
      expect(escapedName(Buffer.from(name)), name).to.equal(undefined);
  });

  for (const [what, input, escaped] of [
    ['a Latin-1 byte', bytes('caf', [0xe9], '.txt'), 'caf%E9.txt'],
    ['a % beside an invalid byte', bytes('50%', [0x80]), '50%25%80'],
    ['valid characters beside invalid bytes', bytes('é', [0xff, 0xfe], '日'), 'é%FF%FE日'],
    ['a truncated sequence', bytes('a', [0xe6, 0x97]), 'a%E6%97'],
    ['an overlong form of /', bytes([0xc0, 0xaf]), '%C0%AF'],
    ['an encoded surrogate', bytes([0xed, 0xa0, 0x80]), '%ED%A0%80'],
    ['a code point above U+10FFFF', bytes([0xf4, 0x90, 0x80, 0x80]), '%F4%90%80%80'],
    ['a lone continuation byte before a character', bytes([0x80], 'é'), '%80é'],
  ] as const)
    it(`escapes ${what}: ${escaped}, and gives the bytes back`, () => {
      expect(escapedName(input)).to.equal(escaped);
      expect(unescapedName(escaped)).to.deep.equal(input);
    });

  it('never gives ., .. or a name without %', () => {
    for (const b of [[0x2e, 0xff], [0xff], [0x2e, 0x2e, 0x80]]) {
      const name = escapedName(Buffer.from(b)) ?? '';
      expect(name).to.include('%');
      expect(name).to.not.be.oneOf(['.', '..']);
    }
  });
});
