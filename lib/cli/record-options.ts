// The run record options of both CLIs (`--record-dir DIR`, `--no-record`), checked.
import type { OptionTable } from './argv.js';
import { stringOption, UsageError } from './argv.js';

/** The options of the run record. */
export const RECORD_OPTIONS: OptionTable = {
  'record-dir': { type: 'string' },
  'no-record': { type: 'boolean' },
};

/** What the run record options ask for. */
export interface RecordArgs {
  /** False with `--no-record`. */
  readonly record: boolean;
  /** `--record-dir DIR`: the root of the run directories. */
  readonly recordDir: string | undefined;
}

/** The run record options, checked: `--record-dir` and `--no-record` contradict each other. */
export function recordOptions(values: Record<string, unknown>): RecordArgs {
  const recordDir = stringOption(values['record-dir']);
  const record = values['no-record'] !== true;
  if (recordDir !== undefined && !record)
    throw new UsageError('--record-dir and --no-record contradict each other: give one of them');
  if (recordDir === '') throw new UsageError('--record-dir expects a directory, got an empty string');
  return { record, recordDir };
}
