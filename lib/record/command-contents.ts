/**
 * What a job's fingerprint holds of its commands beyond their labels: each command's text as written (a
 * label given hides it), its options that change what runs (`env`, `stdin`, `pty`, `allowedExits`), and the
 * bytes of the local files a RunScript or RunString sends (the script, its includes), each file read once
 * per plan. A Push's sources count by their names, not their contents: they are often written by the run's
 * own earlier jobs, which would make every resume push again.
 * @module
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';

import type { Command } from '../commands/command.js';
import { RunScript } from '../commands/run-script.js';
import { RunString } from '../commands/run-string.js';
import { ShellCommand } from '../commands/shell-command.js';
import { Pull, Push } from '../commands/transfer.js';

/** A file read to this many bytes at most; beyond, its size and modification time stand for the rest. */
const MAX_HASHED = 64 * 1024 * 1024;

const sha = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex').slice(0, 32);

/** The digest of a local file's bytes (`missing`, `unreadable: EACCES` when it cannot be read). */
function fileDigest(file: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const stat = fstatSync(fd, { bigint: true });
    if (!stat.isFile()) return 'not a file';
    const size = Number(stat.size);
    const buffer = Buffer.allocUnsafe(Math.min(size, MAX_HASHED));
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, read);
      if (n === 0) break;
      read += n;
    }
    const head = sha(buffer.subarray(0, read));
    return size > MAX_HASHED ? `${head}+${String(size)}@${String(stat.mtimeNs)}` : head;
  } catch (e: unknown) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'missing' : `unreadable: ${code ?? 'error'}`;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The fingerprint texts of commands, the local files they read hashed once each (cache by path). */
export class CommandContents {
  readonly #files = new Map<string, string>();

  #file(path: string): string {
    const file = resolve(path);
    let digest = this.#files.get(file);
    if (digest === undefined) this.#files.set(file, (digest = fileDigest(file)));
    return digest;
  }

  /** What of `command` a fingerprint holds besides its label (empty for a command of another class). */
  of(command: Command): string {
    if (command instanceof ShellCommand) {
      const { env, stdin, pty, allowedExits, includes } = command.options as {
        env?: unknown;
        stdin?: unknown;
        pty?: unknown;
        allowedExits?: unknown;
        includes?: readonly string[];
      };
      const parts: unknown[] = [
        command.describe(),
        env ?? null,
        typeof stdin === 'string'
          ? sha(stdin)
          : Buffer.isBuffer(stdin)
            ? sha(stdin)
            : stdin === undefined
              ? null
              : 'stream',
        pty ?? null,
        allowedExits ?? null,
      ];
      if (command instanceof RunScript) parts.push(this.#file(command.localPath));
      if (command instanceof RunString) parts.push(sha(command.script));
      if (command instanceof RunScript || command instanceof RunString)
        parts.push((includes ?? []).map((p) => [p, this.#file(p)]));
      return JSON.stringify(parts);
    }
    if (command instanceof Push || command instanceof Pull) return command.describe();
    return '';
  }
}
