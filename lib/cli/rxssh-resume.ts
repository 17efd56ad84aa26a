// `rxssh --resume DIR` alone: the command line that DIR records, run again where it was run.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';

import { REDACTED } from '../record/run-dir.js';
import { UsageError } from './argv.js';
import type { Io } from './cli-main.js';
import { recordToResume } from './resume-cli.js';
import { parseRxsshArgs } from './rxssh-options.js';
import type { ResumeArgs, RunArgs, TransferArgs } from './rxssh-options.js';

/**
 * `rxssh --resume DIR` alone: the command line recorded in DIR, with `--resume DIR`, and the directory it was
 * run in (its relative paths: `-s script.sh`, `-t hosts.txt`, `-o DIR`). When DIR was itself `--resume X`
 * alone, X's command line (and so on back).
 */
export async function resumedArgs(
  args: ResumeArgs,
  io: Io,
): Promise<{ args: RunArgs | TransferArgs; cwd: string }> {
  let dir = resolve(io.cwd, args.dir);
  // the run resumed (a folder of runs gives its latest): the one this run restores from
  let target: string | undefined;
  for (let hops = 0; hops < 20; hops++) {
    const record = await recordToResume({
      program: 'rxssh',
      resume: dir,
      recordDir: undefined,
      slug: 'rxssh',
      io,
    });
    target ??= record.dir;
    const argv = record.run.argv ?? [];
    if (argv.some((a) => a === REDACTED || a.endsWith(`=${REDACTED}`)))
      throw new UsageError(
        `--resume: the command line recorded in ${record.dir} held a secret, which was not recorded: give the command line again with --resume ${args.dir}`,
      );
    // a run that was itself resumed: its own --resume gives way to this one
    const words: string[] = [];
    let earlier: string | undefined;
    for (let i = 0; i < argv.length; i++) {
      const word = argv[i] as string;
      if (word === '--resume') earlier = argv[++i];
      else if (word.startsWith('--resume=')) earlier = word.slice('--resume='.length);
      else words.push(word);
    }
    if (words.length === 0 && earlier !== undefined) {
      dir = resolve(record.run.cwd, earlier); // `rxssh --resume X` alone: X has the command line
      continue;
    }
    if (words.length === 0)
      throw new UsageError(
        `--resume: ${record.dir} does not record its command line: give it with --resume ${args.dir}`,
      );
    // options stop at the command: --resume goes first (after push or pull)
    const [first = '', ...rest] = words;
    const resume = `--resume=${target}`;
    const parsed = parseRxsshArgs(
      first === 'push' || first === 'pull' ? [first, resume, ...rest] : [resume, first, ...rest],
    );
    if (parsed.mode !== 'run' && parsed.mode !== 'push' && parsed.mode !== 'pull')
      throw new UsageError(`--resume: ${record.dir} does not record a run of rxssh's (${argv.join(' ')})`);
    const cwd = record.run.cwd;
    if (statSync(cwd, { throwIfNoEntry: false })?.isDirectory() !== true)
      throw new UsageError(
        `--resume: ${args.dir} was run in ${cwd}, which is no longer a directory: give the command line again with --resume ${args.dir}`,
      );
    // a script file then, not the text of a script now (-s takes either)
    const script = parsed.mode === 'run' && parsed.script ? parsed.command[0] : undefined;
    if (
      script !== undefined &&
      record.run.command?.startsWith('script ') === true &&
      statSync(resolve(cwd, script), { throwIfNoEntry: false })?.isFile() !== true
    )
      throw new UsageError(
        `--resume: ${args.dir} ran the script ${resolve(cwd, script)}, which is no longer a file: give the command line again with --resume ${args.dir}`,
      );
    return { args: parsed, cwd };
  }
  throw new UsageError(
    `--resume: ${args.dir} resumes a chain of more than 20 runs: give the command line again`,
  );
}
