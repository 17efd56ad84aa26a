/**
 * This process's limit of open files, and what to say when it is reached: every connection holds a socket,
 * every per-host file a descriptor. Node raises the soft limit to the hard one when it starts (so `ulimit -n`
 * as seen by a node process is already its most); what is left to do is to say so before it is too late.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Open files allowed: the soft limit (what counts) and the hard one (up to which it may be raised). */
export interface OpenFilesLimit {
  readonly soft: number;
  readonly hard: number;
}

const parse = (text: string | undefined): number | undefined => {
  const t = text?.trim();
  if (t === undefined || t === '') return undefined;
  if (t === 'unlimited') return Infinity;
  const n = Number(t);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
};

let known: OpenFilesLimit | undefined;

/**
 * This process's limit of open files, from /proc/self/limits on Linux, else from the shell's `ulimit -n`
 * (which a child process inherits); undefined when neither answers. Kept once read: with no descriptor
 * left, it could not be read again.
 * @internal
 */
export function openFilesLimit(): OpenFilesLimit | undefined {
  known ??= readOpenFilesLimit();
  return known;
}

function readOpenFilesLimit(): OpenFilesLimit | undefined {
  let soft: number | undefined;
  let hard: number | undefined;
  if (process.platform === 'linux') {
    try {
      const line = readFileSync('/proc/self/limits', 'utf8')
        .split('\n')
        .find((l) => l.startsWith('Max open files'));
      [soft, hard] = (line?.slice('Max open files'.length).trim().split(/\s+/) ?? []).map(parse);
    } catch {
      // no /proc: ask the shell
    }
  }
  if ((soft === undefined || hard === undefined) && process.platform !== 'win32') {
    const shell = spawnSync('/bin/sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8', timeout: 2000 });
    [soft, hard] = shell.error === undefined ? shell.stdout.split('\n').map(parse) : [];
  }
  return soft === undefined || hard === undefined ? undefined : { soft, hard };
}

/**
 * The sentence of a connection refused by the system for want of file descriptors: EMFILE (this process's
 * limit, with its figure) or ENFILE (the whole system's). Undefined for any other error code.
 * @internal
 */
export function openFilesFailure(code: string | undefined): string | undefined {
  if (code === 'EMFILE') {
    const soft = openFilesLimit()?.soft;
    const figure = soft === undefined ? '' : ` (${String(soft)})`;
    return (
      `too many open files (EMFILE): this process has opened as many files and sockets as its limit allows` +
      `${figure}: raise it before starting (\`ulimit -n\`, or nofile in /etc/security/limits.conf), or ` +
      'open fewer connections at once'
    );
  }
  if (code === 'ENFILE')
    return (
      'too many open files in the system (ENFILE): raise the system-wide limit (sysctl fs.file-max), or ' +
      'open fewer connections at once'
    );
  return undefined;
}
