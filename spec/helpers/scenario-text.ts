// A scenario text read as `test.yaml` (its local paths relative to spec/scenario/fixtures): its problems as
// formatted lines, or the loaded scenario; what the scenario specs compare.
import path from 'node:path';

import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';

import type { LoadedScenario, ParseScenarioOptions } from '../../lib/scenario/load.js';
import { parseScenario } from '../../lib/scenario/load.js';
import { formatProblems } from '../../lib/scenario/problems.js';

const fixtures = path.join(import.meta.dirname, '..', 'scenario', 'fixtures');

/** The problems of a scenario text, as formatted lines; fails the test when it has none. */
export const problems = (text: string, options: ParseScenarioOptions = {}): string[] => {
  const result = parseScenario(text, 'test.yaml', { dir: fixtures, ...options });
  if (E.isRight(result)) expect.fail('expected problems, got a scenario');
  return formatProblems(result.left).split('\n');
};

/** A scenario text, loaded; fails the test with its problems when it has some. */
export const loaded = (text: string, options: ParseScenarioOptions = {}): LoadedScenario => {
  const result = parseScenario(text, 'test.yaml', { dir: fixtures, ...options });
  if (E.isLeft(result)) expect.fail(formatProblems(result.left));
  return result.right;
};
