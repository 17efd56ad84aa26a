import { of } from 'rxjs';
import type { Observable } from 'rxjs';

import { Job } from '../../lib/index.js';
import type { JobOptions } from '../../lib/index.js';

/** A job whose work is `work$` (a cold Observable: each run subscribes it again). */
export const job = (label: string, work$: Observable<unknown>, options: JobOptions = {}): Job =>
  new Job(() => work$, { label, ...options });

/** A job whose result is its label. */
export const labelJob = (label: string, options: JobOptions = {}): Job<string> =>
  new Job(() => of(label), { label, ...options });

/** A job whose result is 1, for tests that only look at the graph. */
export const graphJob = (label: string, options: JobOptions = {}): Job =>
  new Job(() => of(1), { label, ...options });
