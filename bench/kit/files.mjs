/** Files and words: the repository's root, sha256 of a file, scratch dirs, shell quoting, test data files. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const MB = 1024 * 1024;

export const sha256File = (file) => {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(4 * MB);
    for (let n = fs.readSync(fd, buffer); n > 0; n = fs.readSync(fd, buffer))
      hash.update(buffer.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
};
export const resetDir = (dir) => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
};
export const shQuote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
export const tailOf = (text) => text.trim().split('\n').slice(-2).join(' | ');

/**
 * Writes `bytes` of base64 text lines (76 characters + \n, the last one shorter) to `file`, with a final \n
 * (clush adds one where it is missing).
 */
export const writeTextLines = (file, bytes) => {
  spawnSync('/bin/bash', [
    '-c',
    `head -c ${Math.ceil((bytes * 3) / 4) + 1000} /dev/urandom | base64 -w 76 | head -c ${bytes - 1} > ${shQuote(file)}; ` +
      `echo >> ${shQuote(file)}`,
  ]);
};
/** Writes `bytes` random bytes to `file`. */
export const writeRandomBytes = (file, bytes) => {
  spawnSync('/bin/bash', ['-c', `head -c ${bytes} /dev/urandom > ${shQuote(file)}`]);
};
