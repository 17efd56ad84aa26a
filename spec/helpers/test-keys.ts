// Keys made by ssh2 for the tests that run its own Server. ssh2 1.17's generateKeyPairSync('ed25519') writes
// a private key that neither ssh2 nor ssh-keygen can read back about once in 200 ("Malformed OpenSSH private
// key"): such a key is made again, so that no test fails by the draw.
import ssh2 from 'ssh2';

const { utils } = ssh2;

/** A new ed25519 private key, in OpenSSH format, that parses. */
export const ed25519PrivateKey = (): string => {
  for (let attempt = 0; attempt < 20; attempt++) {
    const key = utils.generateKeyPairSync('ed25519').private;
    if (!(utils.parseKey(key) instanceof Error)) return key;
  }
  throw new Error('test-keys: ssh2 made 20 ed25519 keys in a row that do not parse');
};
