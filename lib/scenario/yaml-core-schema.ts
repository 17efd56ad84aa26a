/**
 * The js-yaml side of the fast path: a schema that resolves plain scalars and keys as `yaml`'s core schema
 * (YAML 1.2) does, and a look at the event stream for what only `yaml` decides: explicit tags, directives,
 * documents (the alias count is yaml-aliases.ts's).
 * @module
 */
import type { Event } from 'js-yaml';
import {
  CORE_SCHEMA,
  defineMappingTag,
  defineScalarTag,
  EVENT_ID,
  mapTag,
  mergeTag,
  NOT_RESOLVED,
} from 'js-yaml';

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

// `yaml`'s core tags (yaml/dist/schema/core/*.js), in its order: the first that matches gives the value
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

const intTag = defineScalarTag<number>('tag:yaml.org,2002:int', {
  implicit: true,
  implicitFirstChars: ['-', '+', ...DIGITS],
  resolve: (s) =>
    INT_OCT.test(s)
      ? parseInt(s.slice(2), 8)
      : INT.test(s)
        ? parseInt(s, 10)
        : INT_HEX.test(s)
          ? parseInt(s.slice(2), 16)
          : NOT_RESOLVED,
  identify: () => false,
});

const floatTag = defineScalarTag<number>('tag:yaml.org,2002:float', {
  implicit: true,
  implicitFirstChars: ['-', '+', '.', ...DIGITS],
  resolve: (s) =>
    FLOAT_NAN.test(s)
      ? s.slice(-3).toLowerCase() === 'nan'
        ? NaN
        : s.startsWith('-')
          ? Number.NEGATIVE_INFINITY
          : Number.POSITIVE_INFINITY
      : FLOAT_EXP.test(s) || FLOAT.test(s)
        ? parseFloat(s) // 1e400 is Infinity, as in `yaml` (js-yaml's own tag leaves it a string)
        : NOT_RESOLVED,
  identify: () => false,
});

/** `yaml` turns keys into strings with `String(key)`, except null (`~:`, `null:`, `:`), which is `''`. */
const keyText = (key: unknown): unknown => (key === null ? '' : key);

const objectTag = defineMappingTag<Record<string, unknown>, Record<string, unknown>>(
  'tag:yaml.org,2002:map',
  {
    create: mapTag.create,
    addPair: (o, key, value) => mapTag.addPair(o, keyText(key), value),
    has: (o, key) => mapTag.has(o, keyText(key)),
    keys: mapTag.keys,
    get: (o, key) => mapTag.get(o, keyText(key)),
    identify: mapTag.identify,
  },
);

/** YAML 1.2's core schema, with merge keys (`<<`), as `yaml`'s `parseDocument(text, { merge: true })`. @internal */
export const YAML_CORE_SCHEMA = CORE_SCHEMA.withTags(mergeTag, intTag, floatTag, objectTag);

/** `yaml` refuses an implicit key over 1024 characters (quotes, anchor and tag included): js-yaml does not. */
const LONG_KEY = 1000;

/**
 * Whether js-yaml's reading of these events is the data that `yaml` reads: one document without directives,
 * no explicit tag (`!!float 1`, `!foo`: `yaml` resolves or refuses them its own way), no key of about 1024
 * characters or more. When not, `yaml` reads the file (and says what is wrong with it). When so, whether the
 * events hold an alias (whose copies yaml-aliases.ts then counts).
 * @internal
 */
export const sameAsYaml = (events: readonly Event[]): false | { readonly aliases: boolean } => {
  let documents = 0;
  let aliases = false;
  // per open document, sequence or mapping: whether it is a mapping, and how many nodes it has so far
  const mapping: boolean[] = [];
  const nodes: number[] = [];
  for (const event of events) {
    if (event.type === EVENT_ID.POP) {
      mapping.pop();
      nodes.pop();
      continue;
    }
    const top = nodes.length - 1;
    if (top >= 0) {
      const isKey = mapping[top] === true && (nodes[top] ?? 0) % 2 === 0;
      if (isKey && event.type === EVENT_ID.SCALAR && event.valueEnd - event.valueStart > LONG_KEY)
        return false;
      nodes[top] = (nodes[top] ?? 0) + 1;
    }
    if (event.type === EVENT_ID.DOCUMENT) {
      documents += 1;
      if (event.directives.length > 0) return false;
      mapping.push(false);
      nodes.push(0);
      continue;
    }
    if (event.type === EVENT_ID.ALIAS) {
      aliases = true;
      continue;
    }
    if (event.tagStart !== -1) return false;
    if (event.type !== EVENT_ID.SCALAR) {
      mapping.push(event.type === EVENT_ID.MAPPING);
      nodes.push(0);
    }
  }
  return documents === 1 && { aliases };
};
