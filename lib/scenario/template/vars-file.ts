/**
 * `rxjobs run --vars FILE`: a YAML mapping of values (strings, numbers, booleans, lists, mappings) for a
 * `.j2` scenario's template, and, the scalar ones, for its variables.
 * @module
 */

import * as E from 'fp-ts/lib/Either.js';

import { isRecord } from '../codecs-combinators.js';
import { RESERVED_VARIABLES } from '../codecs-values.js';
import type { ScenarioProblem } from '../problems.js';
import { aliasProblem, countDocumentAliases } from '../yaml-aliases.js';
import { yamlModule } from '../yaml-lazy.js';
import { readText } from '../read-text.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The values of a `--vars` file: a YAML mapping from names to values. A file that cannot be read, a YAML
 * error, or anything but a mapping of names is a problem naming the file (and the line when known).
 * @internal
 */
export const readVarsFile = (file: string): E.Either<ScenarioProblem[], Record<string, unknown>> => {
  const read = readText(file, ' (--vars)');
  if (E.isLeft(read)) return read;
  const text = read.right;
  const { LineCounter, parseDocument } = yamlModule();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0)
    return E.left(
      doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return { file, path: '', line, column: col, message: e.message };
      }),
    );
  const aliases = countDocumentAliases(doc);
  if (aliases.over) {
    const { line, col } = lineCounter.linePos(aliases.offset);
    return E.left([
      { file, path: '', line, column: col, message: aliasProblem(aliases.name, aliases.limit) },
    ]);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: -1 });
  } catch (e: unknown) {
    return E.left([{ file, path: '', message: (e as Error).message }]);
  }
  if (data === null || data === undefined) return E.right({});
  if (!isRecord(data))
    return E.left([
      { file, path: '', message: '--vars expects a mapping from names to values (name: value)' },
    ]);
  const bad = Object.keys(data).filter((k) => !NAME.test(k));
  if (bad.length > 0)
    return E.left(
      bad.map((k) => ({
        file,
        path: k,
        message: 'not a variable name: letters, digits and "_", not starting with a digit',
      })),
    );
  return E.right({ ...data });
};

/**
 * The values of a `--vars` file that are strings, numbers or booleans, as strings: over the scenario's
 * variables (the built-in names, each node's own, are left to the template).
 * @internal
 */
export const scalarValues = (values: Readonly<Record<string, unknown>>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(values).flatMap(([k, v]) =>
      (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') &&
      !RESERVED_VARIABLES.includes(k)
        ? [[k, String(v)]]
        : [],
    ),
  );
