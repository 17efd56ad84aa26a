/**
 * The filters of a matrix (`where`, `exclude`), checked, as one predicate over an instance's variables.
 * @module
 */
import { ConfigError } from '../errors/config-error.js';
import { describeValue } from '../errors/option-keys.js';
import { isNode } from '../ssh-job/ssh-job-options.js';
import type { Node } from '../nodes/node.js';
import type { NodeGroup } from './node-group.js';
import { parseWhere } from './where.js';
import type { WherePredicate } from './where.js';

/** A value of a list axis. @category models */
export type MatrixValue = string | number | boolean;

/** @internal */
export const isValue = (v: unknown): v is MatrixValue =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/** An axis, checked. @internal */
export interface Axis {
  readonly name: string;
  readonly group: NodeGroup | undefined;
  readonly values: readonly (Node | MatrixValue)[];
  readonly texts: readonly string[];
}

/** The filters of `options`, checked, as one predicate over an instance's variables. @internal */
export function filterOf(
  subject: string,
  axes: readonly Axis[],
  options: unknown,
): (vars: Record<string, string>) => boolean {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new ConfigError(subject, 'options', `must be an object, got ${describeValue(options)}`);
  for (const key of Object.keys(options))
    if (key !== 'where' && key !== 'exclude')
      throw new ConfigError(subject, key, 'is not an option of matrix() (accepted: where, exclude)');
  const { where, exclude } = options as { where?: unknown; exclude?: unknown };
  const names = [...axes.map((a) => a.name), 'instance'];
  let keep: WherePredicate | undefined;
  if (typeof where === 'string') keep = parseWhere(where, { names, subject });
  else if (typeof where === 'function') {
    const predicate = where as WherePredicate;
    keep = (vars) => {
      try {
        return predicate(vars);
      } catch (e: unknown) {
        const instance = axes.map((a) => `${a.name}=${vars[a.name] ?? ''}`).join(' ');
        throw new ConfigError(
          subject,
          'where',
          `threw for instance ${instance}: ${e instanceof Error ? e.message : String(e)}`,
          { cause: e },
        );
      }
    };
  } else if (where !== undefined)
    throw new ConfigError(
      subject,
      'where',
      `must be a function of the instance's variables or a filter text, got ${describeValue(where)}`,
    );
  const rules = checkExclude(subject, axes, exclude);
  return (vars) =>
    !rules.some((rule) => rule.every(([axis, text]) => vars[axis] === text)) && (keep?.(vars) ?? true);
}

function checkExclude(subject: string, axes: readonly Axis[], exclude: unknown): [string, string][][] {
  if (exclude === undefined) return [];
  if (!Array.isArray(exclude))
    throw new ConfigError(
      subject,
      'exclude',
      `must be a list of { axis: value }, got ${describeValue(exclude)}`,
    );
  return (exclude as unknown[]).map((rule, i) => {
    const field = `exclude[${String(i)}]`;
    if (typeof rule === 'object' && rule !== null && !Array.isArray(rule) && Object.keys(rule).length === 0)
      throw new ConfigError(
        subject,
        field,
        'is empty: name at least one axis (an empty entry would exclude every instance)',
      );
    if (typeof rule !== 'object' || rule === null || Array.isArray(rule))
      throw new ConfigError(
        subject,
        field,
        `must be an object such as { sender: 'fit01' }, got ${describeValue(rule)}`,
      );
    return Object.entries(rule as Record<string, unknown>).map(([name, value]): [string, string] => {
      const axis = axes.find((a) => a.name === name);
      if (axis === undefined)
        throw new ConfigError(
          subject,
          `${field}.${name}`,
          `is not an axis (axes: ${axes.map((a) => a.name).join(', ')})`,
        );
      const text = isNode(value) ? axis.group?.nameOf(value) : isValue(value) ? String(value) : undefined;
      if (text === undefined || !axis.texts.includes(text))
        throw new ConfigError(
          subject,
          `${field}.${name}`,
          `is not a value of axis ${name}, got ${describeValue(value)} (values: ${axis.texts.slice(0, 5).join(', ')}${axis.texts.length > 5 ? ', ...' : ''})`,
        );
      return [name, text];
    });
  });
}
