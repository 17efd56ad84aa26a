import { expect } from 'chai';
import { createHmac, randomBytes } from 'node:crypto';

import { hostPatternsMatch, parseKnownHosts } from '../../../lib/nodes/trust/known-hosts-format.js';
import { KnownHostsIndex } from '../../../lib/nodes/trust/known-hosts-index.js';

// a well-formed ssh-ed25519 blob (type string and 32 zero bytes): the index does not look at keys
const blob = (n: number): string => {
  const type = Buffer.from('ssh-ed25519');
  const key = Buffer.alloc(32, n);
  const data = Buffer.alloc(4 + type.length + 4 + key.length);
  data.writeUInt32BE(type.length, 0);
  type.copy(data, 4);
  data.writeUInt32BE(key.length, 4 + type.length);
  key.copy(data, 8 + type.length);
  return `ssh-ed25519 ${data.toString('base64')}`;
};

const hashed = (name: string): string => {
  const salt = randomBytes(20);
  const hmac = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${hmac.toString('base64')}`;
};

const lines = (index: KnownHostsIndex, name: string): number[] => index.lookup(name).map((e) => e.line);

describe('KnownHostsIndex', () => {
  const text = [
    '# fleet',
    `db1,db2 ${blob(1)}`,
    `*.example.com,!bad.example.com ${blob(2)}`,
    `${hashed('db1')} ${blob(3)}`,
    `@revoked DB1 ${blob(4)}`,
    `@cert-authority db1 ${blob(5)}`,
    `db1,!db1 ${blob(6)}`,
    `10.0.0.? ${blob(7)}`,
    `[db1]:2222 ${blob(8)}`,
    `${hashed('[db1]:2222')} ${blob(9)}`,
    `${hashed('bad.example.com')} ${blob(10)}`,
    `db1,db1 ${blob(11)}`,
    `|1|bad ${blob(12)}`,
    `,db3 ${blob(13)}`,
    '',
  ].join('\n');

  it('finds literal, wildcard, negated and hashed entries in line order, without @cert-authority', () => {
    const index = new KnownHostsIndex(text);
    expect(lines(index, 'db1')).to.deep.equal([2, 4, 5, 12]);
    expect(lines(index, 'DB2')).to.deep.equal([2]);
    expect(lines(index, 'a.example.com')).to.deep.equal([3]);
    expect(lines(index, 'bad.example.com')).to.deep.equal([11]);
    expect(lines(index, '10.0.0.7')).to.deep.equal([8]);
    expect(lines(index, '10.0.0.17')).to.deep.equal([]);
    expect(lines(index, '[db1]:2222')).to.deep.equal([9, 10]);
    expect(lines(index, 'db3')).to.deep.equal([14]);
    expect(lines(index, '')).to.deep.equal([]);
  });

  it('agrees with hostPatternsMatch on every entry and name', () => {
    const index = new KnownHostsIndex(text);
    const entries = parseKnownHosts(text).filter((e) => e.marker !== 'cert-authority');
    const names = [
      'db1',
      'Db1',
      'db2',
      'db3',
      'a.example.com',
      'bad.example.com',
      '10.0.0.1',
      '[db1]:2222',
      'x',
    ];
    for (const name of names) {
      const expected = entries.filter((e) => hostPatternsMatch(e.hosts, name)).map((e) => e.line);
      expect(lines(index, name), name).to.deep.equal(expected);
    }
  });

  it('numbers appended lines after the last one, and finds them', () => {
    const index = new KnownHostsIndex(text);
    expect(index.nextLine).to.equal(15);
    expect(lines(index, 'db4')).to.deep.equal([]); // remembered, then forgotten by the append
    index.append(`db4 ${blob(14)}\n${hashed('db5')} ${blob(15)}\n`);
    expect(index.nextLine).to.equal(17);
    expect(lines(index, 'db4')).to.deep.equal([15]);
    expect(lines(index, 'db5')).to.deep.equal([16]);
  });

  it('counts a last line without its newline (the append ends it first) and an empty file', () => {
    expect(new KnownHostsIndex('').nextLine).to.equal(1);
    expect(new KnownHostsIndex(`a ${blob(1)}`).nextLine).to.equal(2);
    expect(new KnownHostsIndex(`a ${blob(1)}\n`).nextLine).to.equal(2);
    const index = new KnownHostsIndex(`# header\na ${blob(1)}`);
    index.append(`b ${blob(2)}\n`);
    expect(lines(index, 'b')).to.deep.equal([3]);
  });
});
