/**
 * Keys of the jobs of a run record, and the files of their outputs.
 * @module
 */
import { createHash } from 'node:crypto';

import { hostFileName } from '../render/files/host-files.js';
import type { OutputNaming } from './types.js';

/** What separates the labels of a key: `deploy / fit01`. @category models */
export const KEY_SEPARATOR = ' / ';

/** The folder of a run directory that holds the outputs. @category models */
export const OUTPUTS_DIR = 'outputs';

/**
 * The key of a job: its parent's key (none for a member of the top scheduler) and its label, joined with
 * ` / `; `occurrence` (1 for the first job with that label among its siblings, 2 for the next...) appends
 * `#2`, `#3`...
 * @example
 * keyOf(undefined, 'deploy'); // 'deploy'
 * keyOf('deploy', 'fit01', 2); // 'deploy / fit01#2'
 * @category models
 */
export const keyOf = (parent: string | undefined, label: string, occurrence = 1): string => {
  const own = occurrence > 1 ? `${label}#${String(occurrence)}` : label;
  return parent === undefined ? own : `${parent}${KEY_SEPARATOR}${own}`;
};

/** The naming of the output files that this version writes (see {@link outputFileOf}). @category models */
export const OUTPUT_NAMING: OutputNaming = 2;

/**
 * The file (relative to the run directory) of a job's stdout (`outputs/<name>.out`) or stderr (`.err`).
 * `naming` 2 (what runs record now): the labels of the key joined with `--` rather than ` / `
 * (`prepare--prepare@fit07.out`), so that a shell user types and globs them (`outputs/prepare--*.out`); a key
 * that does not read back from that name alone (a space, a `/` or `%` in a label, a label holding `--` or
 * starting or ending with `-`, a name starting with `.` or `#`) gets its other characters as `_` and `-`
 * with the first 12 hex digits of its sha256, so that two keys never share a name. `naming` 1 (runs
 * recorded before, see `RunJson.outputNaming`): the key made a file name by the rule of per-host files
 * (`prepare %2F prepare@fit07.out`). Either way a name longer than 200 bytes is cut and given a hash.
 * @example
 * outputFileOf('deploy / fit01', 'stdout'); // 'outputs/deploy--fit01.out'
 * outputFileOf('pairs / pairs[10,tcp] / pairs[10,tcp].meas', 'stderr'); // 'outputs/pairs--pairs[10,tcp]--pairs[10,tcp].meas.err'
 * outputFileOf('run 1', 'stdout'); // 'outputs/run_1-<12 hex>.out'
 * outputFileOf('deploy / fit01', 'stdout', 1); // 'outputs/deploy %2F fit01.out'
 * @category models
 */
export const outputFileOf = (
  key: string,
  stream: 'stdout' | 'stderr',
  naming: OutputNaming = OUTPUT_NAMING,
): string =>
  `${OUTPUTS_DIR}/${boundedName(naming === 1 ? hostFileName(key) : shellName(key))}${stream === 'stdout' ? '.out' : '.err'}`;

/** The naming of a run's output files, as its run.json says (1 when it does not: older runs). @category models */
export const outputNamingOf = (run: { readonly outputNaming?: unknown }): OutputNaming =>
  run.outputNaming === 2 ? 2 : 1;

/** What joins the labels of a key in a file name (naming 2). */
const NAME_SEPARATOR = '--';
/** The characters a label keeps in a file name: none a shell splits words on, quotes or expands at once. */
const SAFE = /^[\p{L}\p{N}_.,:=+@#[\]-]+$/u;
const UNSAFE = /[^\p{L}\p{N}_.,:=+@#[\]-]/gu;

/**
 * The file name of `key` (naming 2): its labels joined with `--` when each is made of safe characters only,
 * holds no `--` and neither starts nor ends with `-` (then the name reads back as the key), and the name does
 * not start with `.` or `#`; otherwise the same with `_` for each other character, and a hash of the key.
 */
const shellName = (key: string): string => {
  const labels = key.split(KEY_SEPARATOR);
  const plain = labels.join(NAME_SEPARATOR);
  const readsBack =
    labels.every(
      (l) => SAFE.test(l) && !l.includes(NAME_SEPARATOR) && !l.startsWith('-') && !l.endsWith('-'),
    ) && !/^[.#]/.test(plain);
  if (readsBack) return plain;
  const safe =
    labels
      .map((l) => l.replace(UNSAFE, '_'))
      .join(NAME_SEPARATOR)
      .replace(/^[.#-]/, '_') || '_';
  return `${safe}-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
};

/** The longest file name (bytes) a key makes before its suffix; file systems take 255. */
const MAX_NAME_BYTES = 200;

/**
 * `name`, or when it is longer than {@link MAX_NAME_BYTES} bytes (a matrix over long values), its start cut on
 * a character and the first 16 hex digits of its sha256: still one name per key.
 */
const boundedName = (name: string): string => {
  if (Buffer.byteLength(name) <= MAX_NAME_BYTES) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 16);
  let start = name.slice(0, MAX_NAME_BYTES - 17);
  while (Buffer.byteLength(start) > MAX_NAME_BYTES - 17) start = start.slice(0, -1);
  return `${start}-${hash}`;
};
