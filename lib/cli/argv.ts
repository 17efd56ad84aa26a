// Command-line parsing shared by the CLIs: node:util's parseArgs, plus "options stop at the first word" (as ssh
// and apssh read `rxssh -t h ls -l`: `-l` belongs to ls), and numbers checked with the option's name.
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

import { suggest } from '../errors/suggest.js';

/** The option table of a CLI, as parseArgs takes it (not internal: the declarations below use it). */
export type OptionTable = NonNullable<ParseArgsConfig['options']>;

/** Options both CLIs take, by group: how to reach hosts, how to write their output, and the usual ones. */
export const SSH_DEFAULT_OPTIONS: OptionTable = {
  login: { type: 'string', short: 'l' },
  identity: { type: 'string', short: 'i', multiple: true },
  'ssh-config': { type: 'string', short: 'F' },
  option: { type: 'string', short: 'O', multiple: true },
  'connect-timeout': { type: 'string', short: 'c' },
  window: { type: 'string', short: 'w' },
  timeout: { type: 'string' },
  'dry-run': { type: 'boolean', short: 'n' },
};
export const OUTPUT_OPTIONS: OptionTable = {
  raw: { type: 'boolean', short: 'r' },
  time: { type: 'boolean' },
  'out-dir': { type: 'string', short: 'o' },
  'date-dir': { type: 'boolean', short: 'd' },
  mark: { type: 'boolean', short: 'm' },
  gather: { type: 'boolean', short: 'b' },
};
export const COMMON_OPTIONS: OptionTable = {
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
};

/**
 * A bad command line: unknown option, missing value, bad number. The CLIs print its message and the usage
 * line, and exit with status 2.
 * @internal
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * An option's value that starts with `-` (`-o -oX=1`), which parseArgs takes for a missing value: one line
 * naming the option and the value, and how to give such a value.
 * @internal
 */
export class AmbiguousValueError extends UsageError {
  /** The option's long name. */
  readonly option: string;
  readonly value: string;
  constructor(option: string, given: string, value: string) {
    super(
      `${given} ${value}: a value starting with '-' looks like an option; if it is meant, write --${option}=${value}`,
    );
    this.option = option;
    this.value = value;
  }
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The option whose value parseArgs found ambiguous (`Option '-o' argument is ambiguous`), with that value. */
const ambiguousValue = (
  text: string,
  args: readonly string[],
  options: OptionTable,
): AmbiguousValueError | undefined => {
  const given = /^Option '(-[^']+?)(?:, --[^']*)?' argument is ambiguous/.exec(text)?.[1];
  if (given === undefined) return undefined;
  const name = given.startsWith('--')
    ? given.slice(2)
    : Object.keys(options).find((k) => options[k]?.short === given.slice(1));
  const value = args[args.indexOf(given) + 1];
  return name === undefined || value === undefined ? undefined : new AmbiguousValueError(name, given, value);
};

/** `Unknown option '--windw'` followed by `, did you mean --window?` when an option is that close. */
const withSuggestion = (text: string, options: OptionTable): string => {
  const unknown = /^Unknown option '--?([^'=]+)'/.exec(text)?.[1];
  const near = unknown === undefined ? undefined : suggest(unknown, Object.keys(options));
  return near === undefined ? text : `${text}, did you mean --${near}?`;
};

/** parseArgs in strict mode, its errors as UsageErrors. */
export function parseStrict(
  args: readonly string[],
  options: OptionTable,
  allowPositionals: boolean,
): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, strict: true, allowPositionals });
    return { values, positionals };
  } catch (e: unknown) {
    const ambiguous = ambiguousValue(message(e), args, options);
    if (ambiguous !== undefined) throw ambiguous;
    throw new UsageError(
      withSuggestion(message(e).replace(/\. To specify a positional argument.*$/s, ''), options),
    );
  }
}

/**
 * Splits `args` where the command starts: at the first word that is neither an option nor an option's value,
 * or after `--`. Returns the options parsed strictly and the command words untouched.
 */
export function parseUntilCommand(
  args: readonly string[],
  options: OptionTable,
): { values: Record<string, unknown>; command: string[] } {
  const { tokens } = parseArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const first = tokens.find((t) => t.kind === 'positional' || t.kind === 'option-terminator');
  const at = first === undefined ? args.length : first.index;
  const command = args.slice(first?.kind === 'option-terminator' ? at + 1 : at);
  return { values: parseStrict(args.slice(0, at), options, false).values, command };
}

/** A number option: finite, at least `min`; `undefined` stays undefined. */
export function numberOption(value: unknown, name: string, min: number, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const ok = typeof value === 'string' && value.trim() !== '' && Number.isFinite(n) && n >= min;
  if (!ok || (integer && !Number.isInteger(n)))
    throw new UsageError(
      `${name} expects ${integer ? 'a whole number' : 'a number'} of at least ${String(min)}, got '${typeof value === 'string' ? value : JSON.stringify(value)}'`,
    );
  return n;
}

/** A string-list option (`multiple: true`), `[]` when absent. */
export const listOption = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** A string option, `undefined` when absent. */
export const stringOption = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

/**
 * The per-unit files options (`-o DIR`, `-d`, `--mark`), checked: one directory at most, marks need one; and
 * `--json` does not go with `-b` (both write stdout).
 */
export function filesOptions(values: Record<string, unknown>): {
  outDir: string | undefined;
  dateDir: boolean;
  mark: boolean;
} {
  const outDir = stringOption(values['out-dir']);
  const dateDir = values['date-dir'] === true;
  const mark = values['mark'] === true;
  if (outDir !== undefined && dateDir)
    throw new UsageError('-o and -d both name the output directory: give one');
  if (mark && outDir === undefined && !dateDir)
    throw new UsageError('--mark writes its marks in the output directory: add -o DIR or -d');
  if (values['json'] === true && values['gather'] === true)
    throw new UsageError('--json and -b both write stdout: give one (jq can group the JSON records)');
  return { outDir, dateDir, mark };
}
