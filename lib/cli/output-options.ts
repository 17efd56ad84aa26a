// The output options of the CLIs (rxssh, `rxjobs run`), and the per-unit files directory they ask for: its
// name (`-o DIR`, or `-d` for one named by the date) and its making before the run.
import { makeWritableDirectory } from '../render/files/make-directory.js';
import { UsageError } from './argv.js';

/** The output options of the CLIs. */
export interface OutputArgs {
  readonly raw?: boolean | undefined;
  readonly time?: boolean | undefined;
  readonly json?: boolean | undefined;
  readonly outDir?: string | undefined;
  readonly dateDir?: boolean | undefined;
  readonly mark?: boolean | undefined;
  readonly gather?: boolean | undefined;
  readonly quiet?: boolean | undefined;
  /** `false` (--no-live): the one progress line on a terminal, not the live view of `rxjobs run`. */
  readonly live?: boolean | undefined;
  /** --max-line-bytes: longer lines are written in pieces (default 1 MiB). */
  readonly maxLineBytes?: number | undefined;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** The directory of `-d`: `YYYY-MM-DD@HH:MM`, local time. */
export const dateDirName = (d: Date): string =>
  `${String(d.getFullYear())}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}@${pad2(d.getHours())}:${pad2(d.getMinutes())}`;

/** The per-unit files directory the options ask for, if any. */
export const filesDirOf = (args: OutputArgs, now = new Date()): string | undefined =>
  args.outDir ?? (args.dateDir === true ? dateDirName(now) : undefined);

/** Makes the per-host files directory before any host is reached: a path that cannot be one is exit 2. */
export async function checkFilesDir(dir: string, args: OutputArgs): Promise<void> {
  try {
    await makeWritableDirectory(dir);
  } catch (e: unknown) {
    const why = e instanceof Error ? e.message : String(e);
    const option = args.outDir === undefined ? `-d (${dir})` : `-o ${dir}`;
    throw new UsageError(
      `${option}: cannot write per-host files there (${why}): give a directory you can write to`,
    );
  }
}
