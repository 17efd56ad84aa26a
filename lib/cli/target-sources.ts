/**
 * What one `-t` or `-x` value stands for: a directory of host files, a file of host names, or the host
 * names written in the value itself.
 * @module
 */
import { isAbsolute, join, resolve } from 'node:path';

import { isJobsError } from '../errors/jobs-error.js';
import { STDERR_SUFFIX } from '../render/files/host-files.js';
import { compareHostsNaturally, expandHostRanges, splitTopLevel } from '../hosts/host-ranges.js';
import { TargetError } from '../errors/target-error.js';
import type { Target } from './target-parse.js';
import { parseTarget } from './target-parse.js';

/**
 * The few file-system calls that target resolution makes (`node:fs` has them), so that tests can fake them.
 * @category models
 */
export interface TargetFs {
  readFileSync(path: string, encoding: 'utf8'): string;
  statSync(path: string): { isFile(): boolean; isDirectory(): boolean };
  readdirSync(path: string): string[];
}

/**
 * A target and where it was written, for messages: `-t "a,b"`, `hosts.txt:3`, `-t hosts/`.
 * @category models
 */
export interface SourcedTarget {
  readonly target: Target;
  readonly source: string;
}

/**
 * How {@link readTargetValue} reads a value.
 * @category models
 */
export interface TargetValueOptions {
  /** The option the value was given to, for messages: `-t` or `-x`. */
  readonly flag: string;
  /** Directory that relative paths are tried against first. */
  readonly cwd: string;
  /** The home directory: `~` in paths, and relative paths are then tried under `~/.rxjobs/`. */
  readonly home: string;
  readonly fs: TargetFs;
  /** Whether a file or directory without any host name is fine (for `-x`) rather than an error. */
  readonly allowEmpty: boolean;
}

/** The separators of host names in a literal value and in a file: whitespace and commas. */
const SEPARATORS = ' \t\n\r\v\f,';

/** The suffix of the stderr files that `-o DIR` writes next to the host files. */

/**
 * The targets one `-t`/`-x` value stands for, in order. An existing path (a relative one is tried against
 * `cwd`, then under `~/.rxjobs/`; a leading `~` is the home directory) is a directory, where each regular,
 * non-hidden file is named after a target (in natural order; `*.err` files, written by `-o`, are skipped), or a file
 * of targets, split on whitespace and commas outside brackets, where `#` starts a comment. Any other value
 * is itself such a list. Tokens of files and values may hold host ranges (`gw->fit[01-03]`), which are
 * expanded over the whole token.
 * @throws {TargetError} naming the value and where it came from, for an empty value, a path-like value
 * (with `/`, or starting with `.` or `~`) that does not exist, an unreadable file or directory, one
 * without host names (unless `allowEmpty`), a bad host range and a bad target.
 * @category constructors
 */
export function readTargetValue(value: string, options: TargetValueOptions): SourcedTarget[] {
  const source = `${options.flag} ${quoteValue(value)}`;
  const fail = (problem: string, cause?: unknown): never => {
    throw new TargetError({ target: value, source, problem }, { cause });
  };
  const found = value.trim() === '' ? undefined : findPath(value, options, fail);
  if (found === undefined) {
    const targets = parseTokens(splitTopLevel(value, SEPARATORS), source);
    if (targets.length === 0)
      fail(`no host name given: write ${options.flag} HOST, ${options.flag} "HOST1,HOST2", or a FILE or DIR`);
    return targets;
  }
  const { path, shown, isDirectory } = found;
  let targets: SourcedTarget[];
  try {
    targets = isDirectory
      ? readDirectory(path, source, options.fs)
      : readLines(options.fs.readFileSync(path, 'utf8'), shown);
  } catch (e: unknown) {
    if (isJobsError(e)) throw e;
    return fail(`cannot read: ${errorText(e)}: fix its permissions, or give the host names instead`, e);
  }
  if (targets.length === 0 && !options.allowEmpty)
    fail(
      isDirectory
        ? 'no host names in this directory: it holds no regular file (hidden and *.err files are skipped)'
        : 'no host names in this file: write names separated by spaces, commas or new lines',
    );
  return targets;
}

/**
 * `value` as messages show it: as it is when plain, else in double quotes (`-t "a,b"`, `-t "fit[1-3]"`).
 * @category combinators
 */
export const quoteValue = (value: string): string =>
  /^[\w./~@:+=%-]+$/.test(value) ? value : JSON.stringify(value);

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Errors of `stat` that mean "no such path here" rather than "there is one, but it cannot be read". */
const ABSENT = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'EINVAL']);

interface FoundPath {
  readonly path: string;
  readonly shown: string;
  readonly isDirectory: boolean;
}

function findPath(
  value: string,
  { cwd, home, fs }: TargetValueOptions,
  fail: (problem: string, cause?: unknown) => never,
): FoundPath | undefined {
  // a "/" inside brackets is a range's step (fit[01-37/2]), not a directory separator
  const looksLikePath =
    value.replace(/\[[^\]]*\]/g, '').includes('/') || value.startsWith('.') || value.startsWith('~');
  const candidates: { path: string; shown: string }[] =
    value === '~' || value.startsWith('~/')
      ? [{ path: join(home, value.slice(1)), shown: value }]
      : isAbsolute(value)
        ? [{ path: value, shown: value }]
        : [
            { path: resolve(cwd, value), shown: value },
            { path: join(home, '.rxjobs', value), shown: `~/.rxjobs/${value}` },
          ];
  for (const { path, shown } of candidates) {
    let stats: ReturnType<TargetFs['statSync']>;
    try {
      stats = fs.statSync(path);
    } catch (e: unknown) {
      const code = (e as { code?: unknown } | null)?.code;
      if (looksLikePath && typeof code === 'string' && !ABSENT.has(code))
        fail(`cannot read: ${errorText(e)}: fix its permissions, or give the host names instead`, e);
      continue;
    }
    if (stats.isDirectory()) return { path, shown, isDirectory: true };
    if (stats.isFile()) return { path, shown, isDirectory: false };
    fail(`${path} is neither a regular file nor a directory: give a file of host names, or a directory`);
  }
  if (looksLikePath)
    fail(
      `no such file or directory (looked for ${candidates.map((c) => c.path).join(' and ')}): ` +
        'check the path; host names have no "/" and do not start with "." or "~"',
    );
  return undefined;
}

function readDirectory(path: string, source: string, fs: TargetFs): SourcedTarget[] {
  const names = fs
    .readdirSync(path)
    .filter((name) => !name.startsWith('.') && !name.endsWith(STDERR_SUFFIX))
    .filter((name) => {
      try {
        return fs.statSync(join(path, name)).isFile();
      } catch {
        return false; // a dangling link, or a file removed meanwhile: not a host
      }
    })
    .map(decodeFileName)
    .sort(compareHostsNaturally);
  return names.map((name) => ({ target: parseTarget(name, source), source }));
}

/** Undoes the percent-encoding of `hostFileName()`, so that `-t DIR/0ok/` gives back the labels. */
const decodeFileName = (name: string): string =>
  name.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

function readLines(text: string, shown: string): SourcedTarget[] {
  return text
    .split('\n')
    .flatMap((line, index) =>
      parseTokens(splitTopLevel(line.replace(/#.*/s, ''), SEPARATORS), `${shown}:${String(index + 1)}`),
    );
}

/** Expands and parses the non-empty tokens, each error naming `source`. */
function parseTokens(tokens: readonly string[], source: string): SourcedTarget[] {
  return tokens
    .filter((token) => token !== '')
    .flatMap((token) => {
      let names: string[];
      try {
        names = expandHostRanges(token);
      } catch (e: unknown) {
        if (!isJobsError(e, 'target')) throw e;
        throw new TargetError({ target: token, source, problem: e.problem }, { cause: e });
      }
      return names.map((name) => ({ target: parseTarget(name, source), source }));
    });
}
