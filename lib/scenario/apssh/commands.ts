/**
 * apssh's command keys, read as rxjobs' own: `local_script`, `script_body`, `localpaths`... renamed, a
 * RunScript `command` split into `script` and `args`, and the meanings that differ (paths relative to the
 * working directory, unquoted words) made rxjobs' explicitly.
 * @module
 */
import path from 'node:path';

import { isRecord } from '../codecs-combinators.js';
import type { DataPath } from '../problems.js';
import { APSSH_KEYS } from './dialect.js';
import type { Pass } from './pass.js';
import { note, problem, renamed } from './pass.js';

/** apssh's command keys that are rxjobs' keys spelled otherwise. */
const RENAMES: Readonly<Record<string, string>> = {
  local_script: 'script',
  script_body: 'body',
  localpaths: 'localPaths',
  remotepath: 'remoteDir',
  remotepaths: 'remotePaths',
  localpath: 'localPath',
  remote_name: 'remoteName',
  allowed_exits: 'allowedExits',
};

/** Keys that apssh takes and rxjobs drops, with the note that says so. */
const IGNORED: Readonly<Record<string, string>> = {
  verbose: 'verbose ignored: rxjobs has no bash -x mode (--json shows each command, its output and exit)',
  ignore_outputs: 'ignore_outputs ignored: rxjobs shows every output line',
};

/** Keys that apssh takes and rxjobs cannot honour: a problem saying what to write instead. */
const REFUSED: Readonly<Record<string, string>> = {
  x11: 'X11 forwarding is not available in rxjobs: remove x11 (run ssh -X yourself for X programs)',
  recurse: 'an SFTP option of apssh that rxjobs does not take (it copies directories whole): remove it',
  follow_symlinks: 'an SFTP option of apssh that rxjobs does not take: remove it',
};

/** A local path of a command written with apssh's keys: relative to the working directory, as in apssh. */
const fromCwd = (cwd: string, p: unknown): unknown =>
  typeof p !== 'string' || p === '' || p.startsWith('{{') || p.startsWith('~') || path.isAbsolute(p)
    ? p
    : path.resolve(cwd, p);

const fromCwdAll = (cwd: string, u: unknown): unknown =>
  Array.isArray(u) ? u.map((p: unknown) => fromCwd(cwd, p)) : fromCwd(cwd, u);

const words = (text: string): string[] => text.split(/\s+/).filter((w) => w !== '');

/** Arguments as apssh passes them, unquoted: each one with spaces is several words on the remote side. */
const splitArgs = (pass: Pass, args: unknown, at: DataPath): unknown => {
  if (!Array.isArray(args)) return args;
  const split = args.flatMap((a: unknown) => (typeof a === 'string' && words(a).length > 1 ? words(a) : [a]));
  if (split.length === args.length) return args;
  renamed(pass, [...at, 'args'], [...at, 'args'], true);
  note(pass, 'args', 'command', 'args with spaces split into words, as apssh passes them unquoted');
  return split;
};

/** The rxjobs form of one command written with apssh's keys (a string or a command of rxjobs' is kept as is). */
export const translateCommand = (pass: Pass, c: unknown, at: DataPath): unknown => {
  if (!isRecord(c)) return c;
  const type = c['type'];
  const apsshStyle =
    APSSH_KEYS.command.some((k) => Object.hasOwn(c, k)) ||
    ((type === 'RunScript' || type === 'RunString') && Object.hasOwn(c, 'command'));
  if (!apsshStyle && pass.dialect !== 'apssh') return c;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(c)) {
    const to = RENAMES[key];
    if (to !== undefined) {
      if (Object.hasOwn(c, to)) {
        problem(pass, [...at, key], `both ${key} (apssh's) and ${to} (rxjobs'): keep one of them, ${to}`);
        continue;
      }
      out[to] = value;
      renamed(pass, [...at, to], [...at, key]);
      continue;
    }
    const ignored = IGNORED[key];
    if (ignored !== undefined) {
      note(pass, `command-${key}`, 'command', ignored);
      continue;
    }
    const refused = REFUSED[key];
    if (refused !== undefined) {
      problem(pass, [...at, key], refused);
      continue;
    }
    if (key === 'command' && type === 'RunString') {
      problem(
        pass,
        [...at, key],
        "a RunString's command would be cut into words in apssh, its first word taken as the script's text: " +
          'write the script as script_body (or body), its arguments as args',
      );
      // kept as the body, so that nothing else is reported for it
      out['body'] = value;
      renamed(pass, [...at, 'body'], [...at, key]);
      continue;
    }
    if (key === 'command' && type === 'RunScript' && typeof value === 'string') {
      const [script, ...args] = words(value);
      if (Object.hasOwn(c, 'args') || Object.hasOwn(c, 'local_script') || Object.hasOwn(c, 'script'))
        problem(
          pass,
          [...at, key],
          "a RunScript's command is its script and arguments: give command alone, or local_script (script) and args",
        );
      out['script'] = script ?? value;
      renamed(pass, [...at, 'script'], [...at, key], true);
      if (args.length > 0) {
        out['args'] = args;
        renamed(pass, [...at, 'args'], [...at, key], true);
      }
      note(
        pass,
        'runscript-command',
        'command',
        "RunScript's command read as script (its first word) and args",
      );
      continue;
    }
    out[key] = value;
  }
  return dialectMeanings(pass, c, out, at, apsshStyle);
};

/** What apssh means by a command's words and paths, made rxjobs' explicitly. */
const dialectMeanings = (
  pass: Pass,
  c: Readonly<Record<string, unknown>>,
  out: Record<string, unknown>,
  at: DataPath,
  apsshStyle: boolean,
): Record<string, unknown> => {
  const type = c['type'];
  if (pass.dialect === 'apssh' && type === 'Run') {
    const { command, argv } = out;
    if (typeof command === 'string' && words(command).join(' ') !== command) {
      out['command'] = words(command).join(' ');
      note(
        pass,
        'run-command',
        'command',
        "Run's command made one line of single-spaced words, as apssh splits and joins it",
      );
    }
    if (Array.isArray(argv) && command === undefined) {
      delete out['argv'];
      out['command'] = argv.map(String).join(' ');
      renamed(pass, [...at, 'command'], [...at, 'argv'], true);
      note(
        pass,
        'run-argv',
        'command',
        "Run's argv joined with spaces, unquoted, as apssh does (rxjobs' argv quotes each word)",
      );
    }
  }
  if (pass.dialect === 'apssh' && (type === 'RunScript' || type === 'RunString'))
    out['args'] = splitArgs(pass, out['args'], at);
  if (!apsshStyle) return out;
  if (type === 'Push' && typeof out['remoteDir'] === 'string' && !out['remoteDir'].endsWith('/'))
    note(
      pass,
      'push-target',
      'command',
      'remotepath read as a directory, created when missing (apssh would write a single file under that name when no such directory exists)',
    );
  for (const key of ['script', 'includes', 'localPaths', 'localDir', 'localPath'])
    if (Object.hasOwn(out, key)) out[key] = fromCwdAll(pass.cwd, out[key]);
  note(
    pass,
    'cwd',
    'command',
    `local paths of commands written with apssh's keys are relative to the working directory, as in apssh (${pass.cwd})`,
  );
  return out;
};
