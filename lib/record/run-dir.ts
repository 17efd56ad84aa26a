/**
 * Where the CLIs record their runs: `<root>/<slug>/<id>/`.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';

import { codeOf } from '../errors/error-code.js';
import { makeDirectory } from '../render/files/make-directory.js';

/** The environment variable that names the root of the run directories. @category models */
export const RECORD_DIR_ENV = 'RXJOBS_RECORD_DIR';

/** A run's id: `YYYYMMDDTHHMMSSZ-<4 hex>`. @internal */
export const RUN_ID = /^\d{8}T\d{6}Z-[0-9a-f]{4}$/;

/**
 * The root of the run directories: `--record-dir` (`flag`), else `$RXJOBS_RECORD_DIR`, else
 * `$XDG_STATE_HOME/rxjobs/runs`, else `~/.local/state/rxjobs/runs`; relative ones from `cwd`.
 * @internal
 */
export function recordRoot(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): string {
  const given = flag ?? nonEmpty(env[RECORD_DIR_ENV]);
  if (given !== undefined) return resolve(cwd, given);
  const state = nonEmpty(env['XDG_STATE_HOME']);
  return state !== undefined
    ? resolve(cwd, state, 'rxjobs', 'runs')
    : join(homedir(), '.local', 'state', 'rxjobs', 'runs');
}

const nonEmpty = (s: string | undefined): string | undefined => (s === undefined || s === '' ? undefined : s);

/**
 * The slug of a scenario's runs: its base name without `.j2`, `.yaml`, `.yml`, then `-` and the first 8 hex
 * digits of the sha256 of its absolute path (two files of one name stay apart). Standard input (`path`
 * undefined): `stdin-` and the first 8 hex digits of the sha256 of its `text`, so that the runs of one text
 * stay together and apart from others' (`rxjobs run - --resume < x.yaml` resumes a run of that text);
 * `stdin` without a text.
 * @internal
 */
export function scenarioSlug(path: string | undefined, text?: string): string {
  if (path === undefined)
    return text === undefined
      ? 'stdin'
      : `stdin-${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
  const name = basename(path)
    .replace(/\.j2$/, '')
    .replace(/\.ya?ml$/, '');
  const hash = createHash('sha256').update(resolve(path)).digest('hex').slice(0, 8);
  return `${name.replace(/[/\\\0]/g, '_') || 'scenario'}-${hash}`;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** A new run id for `date`: `YYYYMMDDTHHMMSSZ-<4 hex random>` (UTC). @internal */
export const runId = (date: Date): string =>
  `${String(date.getUTCFullYear())}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}T` +
  `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z-` +
  randomBytes(2).toString('hex');

/**
 * Makes a new run directory `<root>/<slug>/<id>` (never one that exists); returns it.
 * @internal
 */
export async function makeRunDir(root: string, slug: string, now = new Date()): Promise<string> {
  const parent = join(root, slug);
  await makeDirectory(parent);
  for (;;) {
    const dir = join(parent, runId(now));
    try {
      // the user's own: what the run printed, and the values its commands were given
      await mkdir(dir, { mode: 0o700 });
      return dir;
    } catch (e: unknown) {
      if (codeOf(e) !== 'EEXIST') throw e;
    }
  }
}

/** Options whose value is a secret (their value is redacted in a recorded command line). */
const SECRET_OPTION = /^--?[\w-]*(pass(word|phrase)?|secret|token|credential)[\w-]*$/i;
/** A `NAME=VALUE` whose name says it is a secret. */
/** Whether a variable of that name holds a secret (`db_password`, `api_key`...). @internal */
export const isSecretName = (name: string): boolean => SECRET_NAME.test(name);
const SECRET_NAME = /(pass(word|phrase)?|secret|token|credential|api_?key)/i;
/** What stands for a secret in a recorded command line. @internal */
export const REDACTED = '***';

/**
 * A command line as it may be recorded: the value of an option named like a secret (`--password X`,
 * `--token=X`) and of a `--var`/`-O` `NAME=VALUE` whose NAME is (`--var db_password=X`) replaced by `***`.
 * @internal
 */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (arg.startsWith('-') && SECRET_OPTION.test(name)) {
      if (eq > 0) out.push(`${name}=${REDACTED}`);
      else {
        out.push(arg);
        if (i + 1 < argv.length) {
          out.push(REDACTED);
          i++;
        }
      }
      continue;
    }
    out.push(redactAssignment(arg));
  }
  return out;
}

/** `NAME=VALUE` (or `--var=NAME=VALUE`) with a secret NAME: its value redacted. */
const redactAssignment = (arg: string): string => {
  const m = /^((?:--?[\w-]+=)?)([A-Za-z_][\w-]*)(=)(.*)$/s.exec(arg);
  if (m === null) return arg;
  const [, option = '', name = '', eq = ''] = m;
  return SECRET_NAME.test(name) ? `${option}${name}${eq}${REDACTED}` : arg;
};
