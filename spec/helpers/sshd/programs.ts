/** The programs the harness runs (sshd, ssh-keygen, ss, pgrep, ...): where they are, how to run them, waits. */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const INSTALL_HINT =
  'run `bash scripts/install-deps.sh` (or `apt-get install openssh-server openssh-client`)';

export const findProgram = (name: string, preferred: readonly string[] = []): string | undefined => {
  const onPath = (process.env['PATH'] ?? '')
    .split(path.delimiter)
    .filter((d) => d !== '')
    .map((d) => path.join(d, name));
  return [...preferred, ...onPath].find((candidate) => {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return fs.statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
};

/** The sshd binary: `$RXJOBS_SSHD` when set, else /usr/sbin/sshd, else `sshd` on PATH; throws how to install. */
export const sshdProgram = (): string => {
  const override = process.env['RXJOBS_SSHD'] ?? '';
  const found =
    override === ''
      ? findProgram('sshd', ['/usr/sbin/sshd'])
      : findProgram(path.basename(override), [override]);
  if (found === undefined || (override !== '' && found !== override)) {
    const where = override === '' ? 'no /usr/sbin/sshd, no sshd on PATH' : `no ${override}`;
    throw new Error(`sshd harness: the OpenSSH server is not installed (${where}): ${INSTALL_HINT}`);
  }
  return path.resolve(found);
};

export const program = (name: string, pkg: string): string => {
  const found = findProgram(name, [`/usr/bin/${name}`, `/bin/${name}`, `/usr/sbin/${name}`]);
  if (found === undefined) {
    throw new Error(
      `sshd harness: \`${name}\` not found: run \`bash scripts/install-deps.sh\` (or \`apt-get install ${pkg}\`)`,
    );
  }
  return found;
};

interface Output {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to its end; a non-zero exit is a result, a spawn failure or a timeout rejects. */
export const run = (file: string, args: readonly string[], timeoutMs = 10_000): Promise<Output> =>
  new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error === null) {
        resolve({ code: 0, stdout, stderr });
      } else if (typeof error.code === 'number' && !error.killed) {
        resolve({ code: error.code, stdout, stderr });
      } else {
        reject(new Error(`sshd harness: ${file} ${args.join(' ')}: ${error.message}`, { cause: error }));
      }
    });
  });

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `intervalMs` until it is true or `timeoutMs` passed; returns the last answer. */
export const waitUntil = async (
  check: () => boolean,
  timeoutMs: number,
  intervalMs = 20,
): Promise<boolean> => {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (performance.now() >= deadline) return false;
    await sleep(intervalMs);
  }
};
