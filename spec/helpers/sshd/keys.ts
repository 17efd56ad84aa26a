/** Keys made by ssh-keygen for each fleet, their fingerprints, and the private shadow file of `password`. */
import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

import { program, run } from './programs.js';

/** Writes a shadow file whose one entry gives the current user `password` (SHA-512 crypt, by openssl). */
export const shadowFile = async (file: string, password: string): Promise<string> => {
  if (process.getuid?.() !== 0) {
    throw new Error('sshd harness: `password` needs root (sshd checks passwords against /etc/shadow)');
  }
  const out = await run(program('openssl', 'openssl'), ['passwd', '-6', password]);
  const hash = out.stdout.trim();
  if (out.code !== 0 || !hash.startsWith('$6$')) {
    throw new Error(`sshd harness: openssl passwd failed: ${out.stderr.trim()}`);
  }
  // user:hash:last change (days):min:max:warn:::
  await fsp.writeFile(file, `${os.userInfo().username}:${hash}:19000:0:99999:7:::\n`, { mode: 0o600 });
  return file;
};

export const keygen = async (file: string, passphrase = ''): Promise<void> => {
  const out = await run(program('ssh-keygen', 'openssh-client'), [
    '-q',
    '-t',
    'ed25519',
    '-N',
    passphrase,
    '-C',
    `rxjobs-test-${path.basename(file)}`,
    '-f',
    file,
  ]);
  if (out.code !== 0) throw new Error(`sshd harness: ssh-keygen ${file} failed: ${out.stderr.trim()}`);
};

/** `type base64` of a public key file. */
export const publicKey = async (file: string): Promise<{ type: string; base64: string }> => {
  const [type = '', base64 = ''] = (await fsp.readFile(`${file}.pub`, 'utf8')).trim().split(/\s+/);
  return { type, base64 };
};

export const fingerprintOf = (base64: string): string =>
  `SHA256:${createHash('sha256').update(Buffer.from(base64, 'base64')).digest('base64').replace(/=+$/, '')}`;
