// The front door of rxssh and rxjobs: the file that `rxssh` starts. It answers --help, --version and usage
// errors by itself, and only for a run loads the program (rxjs, the scheduler, ssh2...), which reads the
// command line again and runs. In the package, the door and the program are separate bundles
// (scripts/bundle-cli.mjs): the door is ~25 KB, so that `rxssh --help` costs little more than node's start.
import type { CommandLine } from './cli-main.js';
import { answer, exitWith } from './cli-main.js';
import { useCompileCache } from './compile-cache.js';

/**
 * Answers `argv` at the door (see `answer`), or calls `enter`, which loads the program (with the code V8
 * compiled for it in earlier runs, see compile-cache.ts) and runs it on the same command line.
 */
export function openDoor<A>(
  line: CommandLine<A>,
  argv: readonly string[],
  enter: () => Promise<unknown>,
): void {
  const read = answer(line, argv);
  if (read.answered) {
    exitWith(read.status);
    return;
  }
  useCompileCache();
  void enter();
}
