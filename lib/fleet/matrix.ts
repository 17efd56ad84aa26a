/**
 * Matrices: the product of axes (node groups or lists of values), filtered, as instances with variables.
 * @module
 */
import { ConfigError } from '../errors/config-error.js';
import { describeValue } from '../errors/option-keys.js';
import type { Node } from '../nodes/node.js';
import { isNode } from '../ssh-job/ssh-job-options.js';
import { NodeGroup } from './node-group.js';
import { filterOf, isValue } from './matrix-filters.js';
import type { Axis, MatrixValue } from './matrix-filters.js';
import type { WherePredicate } from './where.js';

export type { MatrixValue } from './matrix-filters.js';

/** An axis: a group (its values are its nodes) or a list of values. @category models */
export type MatrixAxis = NodeGroup | readonly MatrixValue[];
/** The axes of a matrix, by name, in product order (the first varies slowest). @category models */
export type MatrixAxes = Readonly<Record<string, MatrixAxis>>;

/** Options of {@link matrix}. @category models */
export interface MatrixOptions {
  /**
   * Keeps only the instances for which it is true: a predicate over the instance's variables, or the text
   * of one (`'sender != receiver and size == 100'`, see {@link parseWhere}).
   */
  readonly where?: WherePredicate | string | undefined;
  /**
   * Leaves out the instances that match one of these: each names some axes and a value for each (a node
   * axis by a host name, or a node of its group): `[{ sender: 'fit01' }, { sender: 'fit02', size: 100 }]`.
   */
  readonly exclude?: readonly Readonly<Record<string, MatrixValue | Node>>[] | undefined;
}

/**
 * One instance of a matrix: a value per axis.
 * @category models
 */
export interface MatrixInstance {
  /** Its position in the product, before filtering (0 for the first). */
  readonly index: number;
  /** The values, joined by `,`: `fit01,fit10` (a node by its host name); member labels use it (`pairs[fit01,fit10]`). */
  readonly key: string;
  /**
   * The variables of the instance: each axis's value as text (a node axis's: the host name), and
   * `instance`, the values joined by `-` with what is unsafe in a file name as `_` (`fit01-fit10`).
   */
  readonly vars: Readonly<Record<string, string>>;
  /** Each axis's value: a node for a node axis, else the value itself. */
  readonly values: Readonly<Record<string, Node | MatrixValue>>;
  /**
   * The node of node axis `axis`.
   * @throws {ConfigError} when `axis` is not a node axis of the matrix.
   */
  node(axis: string): Node;
}

/** The most instances a product may have, before filtering: a bigger one is refused (a likely mistake). */
export const maxMatrixInstances = 100_000;

const AXIS_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Names no axis may take: every instance has `instance`; the others are JavaScript's own members. */
const RESERVED_AXES = ['instance', '__proto__', 'constructor', 'prototype'];

/** What file names may hold: anything else becomes `_`. */
const fileSafe = (text: string): string => text.replace(/[^A-Za-z0-9._-]/g, '_');

/** Checks the axes from plain JavaScript; returns them in order, with each value's text. @internal */
export function checkAxes(subject: string, axes: unknown): Axis[] {
  if (typeof axes !== 'object' || axes === null || Array.isArray(axes) || axes instanceof NodeGroup)
    throw new ConfigError(
      subject,
      'axes',
      `must be an object of named axes such as { sender: group, size: [100, 1000] }, got ${describeValue(axes)}`,
    );
  const entries = Object.entries(axes as Record<string, unknown>);
  if (entries.length === 0) throw new ConfigError(subject, 'axes', 'must name at least one axis');
  let count = 1;
  const checked = entries.map(([name, axis]): Axis => {
    const field = `axes.${name}`;
    if (!AXIS_NAME.test(name) || RESERVED_AXES.includes(name))
      throw new ConfigError(
        subject,
        field,
        `is not a usable axis name: write a word of letters, digits and _ (not ${RESERVED_AXES.join(', ')})`,
      );
    let result: Axis;
    if (axis instanceof NodeGroup) {
      result = { name, group: axis, values: axis.nodes, texts: axis.hostnames() };
    } else if (Array.isArray(axis)) {
      const values: unknown[] = axis;
      values.forEach((v, i) => {
        if (isNode(v))
          throw new ConfigError(
            subject,
            `${field}[${String(i)}]`,
            'is a node: make the axis a group of nodes, NodeGroup.of(nodes)',
          );
        if (!isValue(v))
          throw new ConfigError(
            subject,
            `${field}[${String(i)}]`,
            `must be a string, a number or a boolean, got ${describeValue(v)}`,
          );
      });
      const texts = (values as MatrixValue[]).map(String);
      const seen = new Set<string>();
      texts.forEach((text, i) => {
        if (seen.has(text))
          throw new ConfigError(subject, `${field}[${String(i)}]`, `repeats the value "${text}"`);
        seen.add(text);
      });
      result = { name, group: undefined, values: values as MatrixValue[], texts };
    } else
      throw new ConfigError(
        subject,
        field,
        `must be a NodeGroup or a list of values, got ${describeValue(axis)}`,
      );
    if (result.values.length === 0)
      throw new ConfigError(subject, field, 'is empty: the matrix would be empty');
    count *= result.values.length;
    return result;
  });
  if (count > maxMatrixInstances)
    throw new ConfigError(
      subject,
      'axes',
      `make ${String(count)} instances (${checked.map((a) => `${a.name} ${String(a.values.length)}`).join(' × ')}), ` +
        `more than the ${String(maxMatrixInstances)} allowed before filtering: split the matrix, or use smaller axes`,
    );
  return checked;
}

class Instance implements MatrixInstance {
  readonly index: number;
  readonly key: string;
  readonly vars: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, Node | MatrixValue>>;
  readonly #subject: string;

  constructor(
    subject: string,
    index: number,
    vars: Record<string, string>,
    values: Record<string, Node | MatrixValue>,
    texts: readonly string[],
  ) {
    this.#subject = subject;
    this.index = index;
    this.key = texts.join(',');
    vars['instance'] = texts.map(fileSafe).join('-');
    this.vars = vars;
    this.values = values;
  }

  node(axis: string): Node {
    const value = Object.hasOwn(this.values, axis) ? this.values[axis] : undefined;
    if (!isNode(value))
      throw new ConfigError(
        this.#subject,
        'node()',
        `"${axis}" is not a node axis (node axes: ${
          Object.keys(this.values)
            .filter((a) => isNode(this.values[a]))
            .join(', ') || 'none'
        })`,
      );
    return value;
  }
}

/**
 * The instances of the product of `axes` (the first axis varies slowest), less those that `exclude` names
 * or `where` refuses, in product order. Axes are node groups (a value per node) or lists of values.
 * @example
 * const pairs = matrix({ sender: fits, receiver: fits }, { where: 'sender != receiver' });
 * pairs.map((i) => i.key); // ['fit01,fit02', 'fit01,fit03', ...]
 * @throws {ConfigError} for a bad axis, more than {@link maxMatrixInstances} instances before filtering, an
 * exclude naming an unknown axis or value, or a bad `where` text.
 * @category constructors
 */
export function matrix(axes: MatrixAxes, options: MatrixOptions = {}): MatrixInstance[] {
  return instancesOf('matrix()', axes, options);
}

/** {@link matrix}, with errors naming `subject`. @internal */
export function instancesOf(subject: string, axes: unknown, options: unknown): MatrixInstance[] {
  const checked = checkAxes(subject, axes);
  const keep = filterOf(subject, checked, options);
  const instances: MatrixInstance[] = [];
  const positions = checked.map(() => 0);
  for (let index = 0; ; index++) {
    const vars: Record<string, string> = {};
    const values: Record<string, Node | MatrixValue> = {};
    const texts: string[] = [];
    checked.forEach((axis, a) => {
      const p = positions[a] ?? 0;
      const text = axis.texts[p] ?? '';
      vars[axis.name] = text;
      values[axis.name] = axis.values[p] ?? text;
      texts.push(text);
    });
    const instance = new Instance(subject, index, vars, values, texts);
    if (keep(instance.vars)) instances.push(instance);
    // the odometer: the last axis turns fastest
    let a = checked.length - 1;
    for (; a >= 0; a--) {
      const axis = checked[a];
      const next = (positions[a] ?? 0) + 1;
      if (axis !== undefined && next < axis.values.length) {
        positions[a] = next;
        break;
      }
      positions[a] = 0;
    }
    if (a < 0) return instances;
  }
}
