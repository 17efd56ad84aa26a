/**
 * The line map of a rendered template: before compiling, each line start in the template's text parts gets a
 * marker that spells its template line; the output's markers are then read and removed.
 * @module
 */
import type { TemplateNode } from './nunjucks.js';

// private-use characters: a start, ten digits, an end
const START = '\uE000';
const END = '\uE001';
const DIGIT0 = 0xe010;
const MARKER = /\uE000([\uE010-\uE019]+)\uE001/g;

const marker = (line: number): string =>
  `${START}${String(line).replace(/\d/g, (d) => String.fromCharCode(DIGIT0 + Number(d)))}${END}`;

const lineOf = (digits: string): number =>
  Number(digits.replace(/[\uE010-\uE019]/g, (c) => String(c.charCodeAt(0) - DIGIT0)));

/** Whether a text holds a character of the markers, which would confuse them (a template of ours never does). @internal */
export const hasMarkerCharacters = (text: string): boolean => /[\uE000\uE001\uE010-\uE019]/.test(text);

/**
 * Marks the text parts (`TemplateData`) of a parsed template, in place: a marker after each newline, and at
 * the start of a part that starts a line, spelling the template line (from 1) that follows.
 * @internal
 */
export const markLines = (root: TemplateNode): void => {
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    const n = node as TemplateNode;
    if (n.typename === 'TemplateData' && typeof n.value === 'string') {
      let line = n.lineno + 1;
      const text = n.value;
      let out = n.colno === 0 && text !== '' ? marker(line) : '';
      out += text.replace(/\n/g, () => `\n${marker(++line)}`);
      n.value = out;
      return;
    }
    for (const field of n.fields ?? []) visit(n[field]);
  };
  visit(root);
};

/**
 * The output without its markers, and for each of its lines (from 1) the template line it comes from (0 when
 * unknown): a line without a marker (a value with newlines) takes the line of the one before it.
 * @internal
 */
export const readLines = (output: string): { text: string; lines: number[] } => {
  const lines: number[] = [0];
  let previous = 0;
  const text = output
    .split('\n')
    .map((line) => {
      let first: number | undefined;
      const plain = line.replace(MARKER, (_m, digits: string) => {
        first ??= lineOf(digits);
        return '';
      });
      previous = first ?? previous;
      lines.push(previous);
      return plain;
    })
    .join('\n');
  return { text, lines };
};
