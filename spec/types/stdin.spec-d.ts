// Type tests of command stdin (checked by `tsc --noEmit`): bytes, text, or a stream.
import { Readable } from 'node:stream';

import { from, of } from 'rxjs';

import type { ExecOptions, RunCommandOptions } from '../../lib/index.js';

export const fixed = [{ stdin: 'text' }, { stdin: Buffer.from('bytes') }] satisfies ExecOptions[];
export const streams = [
  { stdin: of('a', new Uint8Array([98])) },
  { stdin: Readable.from(['x']) },
  { stdin: from([Buffer.from('y')]) },
] satisfies RunCommandOptions[];
// @ts-expect-error a stream of numbers is not stdin
export const numbers: ExecOptions = { stdin: of(1, 2) };
