// Reading a file the user named (a scenario, a --vars file): its text, or one problem naming it.
import { readFileSync } from 'node:fs';

import * as E from 'fp-ts/lib/Either.js';

import type { ScenarioProblem } from './problems.js';

/** The text of `file`, or a problem: `file not found` or `cannot read`, followed by `what` (` (--vars)`). */
export const readText = (file: string, what = ''): E.Either<ScenarioProblem[], string> => {
  try {
    return E.right(readFileSync(file, 'utf8'));
  } catch (e: unknown) {
    const code = (e as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT' ? `file not found${what}` : `cannot read${what}: ${(e as Error).message}`;
    return E.left([{ file, path: '', message }]);
  }
};
