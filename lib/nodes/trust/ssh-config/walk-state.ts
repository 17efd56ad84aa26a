/**
 * The state of one resolution, shared by the walk, the Match criteria and the token expansion.
 * @module
 */
import type { Line } from 'ssh-config';

import type { Values } from './keywords.js';

/** A value obtained from a config file, and that file (the subject of errors found later). */
export interface Obtained<T> {
  readonly value: T;
  readonly subject: string;
}

/** The state of one resolution: who asks, which pass runs, and the values obtained so far. */
export interface Walk {
  readonly original: string;
  readonly localUser: string;
  readonly home: string;
  finalPass: boolean;
  wantFinal: boolean;
  readonly found: { [K in keyof Values]?: Obtained<Values[K]> };
  readonly identityFiles: Obtained<string>[];
  readonly files: Map<string, Promise<readonly Line[] | undefined>>;
}
