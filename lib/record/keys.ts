/**
 * Keys of the jobs of a run record, and the files of their outputs.
 * @module
 */
import { createHash } from 'node:crypto';

import { hostFileName } from '../render/files/host-files.js';

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

/**
 * The file (relative to the run directory) of a job's stdout (`outputs/<safe key>.out`) or stderr
 * (`.err`); `<safe key>` is the key made a file name by the rule of per-host files (`hostFileName`).
 * @example
 * outputFileOf('deploy / fit01', 'stdout'); // 'outputs/deploy %2F fit01.out'
 * @category models
 */
export const outputFileOf = (key: string, stream: 'stdout' | 'stderr'): string =>
  `${OUTPUTS_DIR}/${boundedName(hostFileName(key))}${stream === 'stdout' ? '.out' : '.err'}`;

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
