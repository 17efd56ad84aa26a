// Putting a host prefix after every \n of a chunk's lines at once (issue 15): the WebAssembly function and the
// latin1 text it falls back to give the bytes of the plain rule, for every length of prefix and line.
import { expect } from 'chai';

import { prefixLines, prefixLinesWay } from '../../lib/render/prefix-lines.js';
import { randomFrom } from '../helpers/random.js';

/** The plain rule: the prefix after every `\n` but the last. */
const expected = (prefix: Buffer, lines: Buffer): Buffer => {
  const out: Buffer[] = [];
  let start = 0;
  for (let nl = lines.indexOf(0x0a); nl !== -1; nl = lines.indexOf(0x0a, start)) {
    if (start > 0) out.push(prefix);
    out.push(lines.subarray(start, nl + 1));
    start = nl + 1;
  }
  return Buffer.concat(out);
};

const prefixed = (prefix: Buffer, lines: Buffer, force: 'wasm' | 'text'): Buffer => {
  const pieces: Buffer[] = [];
  prefixLines(prefix, lines, (bytes) => pieces.push(Buffer.from(bytes)), force);
  return Buffer.concat(pieces);
};

/** Lines of 0 to `longest` random bytes (`\n` only at their ends), each ending with `\n`. */
const linesOf = (random: () => number, count: number, longest: number): Buffer => {
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const line = Buffer.alloc(Math.floor(random() * (longest + 1)));
    for (let j = 0; j < line.length; j++) line[j] = Math.floor(random() * 255) + (random() < 0.5 ? 0 : 1);
    for (let j = 0; j < line.length; j++) if (line[j] === 0x0a) line[j] = 0x0b;
    parts.push(line, Buffer.from('\n'));
  }
  return Buffer.concat(parts);
};

describe('prefixLines', () => {
  it('runs in WebAssembly here', () => {
    expect(prefixLinesWay()).to.equal('wasm');
  });

  for (const force of ['wasm', 'text'] as const)
    it(`${force}: the plain rule's bytes for prefixes of 1 to 40 bytes, lines of 0 to 40, at every offset of a word`, () => {
      const random = randomFrom(force === 'wasm' ? 1 : 2);
      for (let plen = 1; plen <= 40; plen++) {
        const prefix = Buffer.from('p'.repeat(plen - 1) + ':');
        for (let trial = 0; trial < 20; trial++) {
          const lines = linesOf(random, 1 + Math.floor(random() * 30), trial % 2 === 0 ? 9 : 40);
          const at = Math.floor(random() * 8); // the lines at any offset of a buffer
          const shifted = Buffer.concat([Buffer.alloc(at), lines]).subarray(at);
          const got = prefixed(prefix, shifted, force);
          if (!got.equals(expected(prefix, lines)))
            expect.fail(
              `prefix ${String(plen)}, trial ${String(trial)}: ${JSON.stringify(got.toString('latin1'))}`,
            );
        }
      }
    });

  for (const force of ['wasm', 'text'] as const)
    it(`${force}: lines cut into slices (a long prefix): the prefix after a \\n that ends a slice, not after the last`, () => {
      const random = randomFrom(3);
      const prefix = Buffer.from(`${'h'.repeat(2999)}:`); // slices of 349 bytes
      for (const longest of [0, 1, 348, 349, 350, 2000]) {
        const lines = linesOf(random, 200, longest);
        expect(prefixed(prefix, lines, force).equals(expected(prefix, lines)), String(longest)).to.equal(
          true,
        );
      }
      const newlines = Buffer.alloc(5000, 0x0a);
      expect(prefixed(prefix, newlines, force).equals(expected(prefix, newlines))).to.equal(true);
    });
});
