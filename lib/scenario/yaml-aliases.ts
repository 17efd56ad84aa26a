/**
 * How much a YAML file's aliases copy. An alias (`*name`) stands for a copy of the node its anchor (`&name`)
 * names, aliases inside it included: a "billion laughs" of nine lines stands for 387 million nodes, which
 * every later step (decoding, substitution, `--dry-run`) would walk. A file may copy at most
 * {@link MAX_COPIED_NODES} nodes through its aliases, or 10 times its own nodes when that is more: a
 * testbed file that gives each of its hundreds of nodes `<<: *common` copies a few nodes per alias.
 * The same count is made on js-yaml's events (the fast path) and on `yaml`'s Document (the slow path), so
 * that both refuse the same file at the same alias.
 * @module
 */
import type { Event } from 'js-yaml';
import { EVENT_ID } from 'js-yaml';
import type { Document, Node as YamlNode } from 'yaml';

import { yamlModule } from './yaml-lazy.js';

/** The most nodes that a file's aliases may copy, whatever its size. @internal */
export const MAX_COPIED_NODES = 1_000_000;
/** A file may also copy this many times its own nodes, when that is more than {@link MAX_COPIED_NODES}. */
const COPY_FACTOR = 10;

/** The copy budget of a file of `own` nodes (scalars, mappings, sequences and aliases). */
const limitOf = (own: number): number => Math.max(MAX_COPIED_NODES, COPY_FACTOR * own);

/** What an alias count finds: nothing wrong, or the alias (its `*` offset) past which the copies go over. @internal */
export type AliasCount =
  | { readonly over: false }
  | { readonly over: true; readonly offset: number; readonly name: string; readonly limit: number };

/** The problem's text for an alias past the budget. @internal */
export const aliasProblem = (name: string, limit: number): string =>
  `*${name}: with this alias, the file's aliases would copy more than ${String(limit)} nodes (an alias ` +
  `copies the whole node that its anchor &${name} names, the aliases inside it included): alias less deeply, ` +
  `or write the repeated part out`;

/** A counter of copies in document order: `copy` says whether the copies are still within the budget. */
const counter = (own: number) => {
  const limit = limitOf(own);
  let copied = 0;
  return {
    limit,
    copy: (size: number): boolean => {
      copied += size;
      return copied <= limit;
    },
  };
};

/**
 * The alias count of js-yaml's events, or `'unsure'` when an alias names an anchor not yet closed (a node that
 * holds an alias of itself) or not yet defined: then `yaml` reads the file, as it did before the fast path.
 * @internal
 */
export const countEventAliases = (events: readonly Event[], text: string): AliasCount | 'unsure' => {
  let own = 0;
  for (const e of events) if (e.type !== EVENT_ID.DOCUMENT && e.type !== EVENT_ID.POP) own += 1;
  const { limit, copy } = counter(own);
  const OPEN = -1;
  const sizes = new Map<string, number>(); // an anchor's expanded node count (OPEN while it is read)
  const frames: { size: number; anchor: string | undefined }[] = [];
  const add = (n: number): void => {
    const top = frames[frames.length - 1];
    if (top !== undefined) top.size += n;
  };
  for (const event of events) {
    switch (event.type) {
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING: {
        const anchor = event.anchorStart === -1 ? undefined : text.slice(event.anchorStart, event.anchorEnd);
        if (anchor !== undefined) sizes.set(anchor, OPEN);
        frames.push({ size: 1, anchor });
        break;
      }
      case EVENT_ID.SCALAR:
        if (event.anchorStart !== -1) sizes.set(text.slice(event.anchorStart, event.anchorEnd), 1);
        add(1);
        break;
      case EVENT_ID.ALIAS: {
        const name = text.slice(event.anchorStart, event.anchorEnd);
        const size = sizes.get(name);
        if (size === undefined || size === OPEN) return 'unsure';
        if (!copy(size)) return { over: true, offset: event.anchorStart - 1, name, limit };
        add(size);
        break;
      }
      case EVENT_ID.POP: {
        const frame = frames.pop();
        if (frame === undefined) break; // a document's end
        if (frame.anchor !== undefined) sizes.set(frame.anchor, frame.size);
        add(frame.size);
        break;
      }
      default:
        break;
    }
  }
  return { over: false };
};

/**
 * The alias count of `yaml`'s Document, as {@link countEventAliases} makes it on the same text (an empty
 * key or value counts as the empty scalar that js-yaml sees). An alias of a node from within itself copies
 * nothing (`yaml` makes the data refer to itself). `yaml` finds an alias's node by a search from the start
 * of the document at each alias (a file of 16 000 aliases took 6 s): the count gives each alias the node it
 * found, in one pass, that `toJS()` then takes.
 * @internal
 */
export const countDocumentAliases = (doc: Document): AliasCount => {
  const { isAlias, isMap, isPair, isScalar, isSeq } = yamlModule();
  const childrenOf = (node: unknown): unknown[] => {
    if (isMap(node)) return node.items.flatMap((p) => (isPair(p) ? [p.key, p.value] : [p]));
    if (isSeq(node)) return node.items;
    return [];
  };
  let own = 0;
  const countOwn = (node: unknown): void => {
    own += 1;
    for (const child of childrenOf(node)) countOwn(child);
  };
  if (doc.contents !== null) countOwn(doc.contents);
  const { limit, copy } = counter(own);
  const anchors = new Map<string, { node: YamlNode; size: number }>();
  let found: AliasCount = { over: false };
  const sizeOf = (node: unknown): number => {
    if (found.over) return 0;
    if (isAlias(node)) {
      const anchor = anchors.get(node.source);
      if (anchor === undefined) return 1; // `yaml`'s toJS() says what is wrong
      if (!copy(anchor.size)) found = { over: true, offset: node.range?.[0] ?? 0, name: node.source, limit };
      givenNode(node, anchor.node);
      return anchor.size;
    }
    const name = isScalar(node) || isMap(node) || isSeq(node) ? (node as YamlNode).anchor : undefined;
    const anchor = name === undefined ? undefined : { node: node as YamlNode, size: 1 };
    if (name !== undefined && anchor !== undefined) anchors.set(name, anchor); // an alias of itself copies one node
    let size = 1;
    for (const child of childrenOf(node)) size += sizeOf(child);
    if (anchor !== undefined) anchor.size = size;
    return size;
  };
  if (doc.contents !== null) sizeOf(doc.contents);
  return found;
};

/** `yaml`'s Alias.resolve(doc, ctx), as toJS() calls it: ctx.anchors holds the nodes already made data. */
type Resolve = (doc: unknown, ctx?: { anchors?: Map<unknown, unknown> }) => unknown;

/** Makes `alias` resolve to `node` when toJS() has made it data already (as it has, in document order). */
const givenNode = (alias: YamlNode, node: YamlNode): void => {
  const resolve = (alias as unknown as { resolve: Resolve }).resolve;
  Object.defineProperty(alias, 'resolve', {
    configurable: true,
    value: (doc: unknown, ctx?: { anchors?: Map<unknown, unknown> }): unknown =>
      ctx?.anchors?.has(node) === true ? node : resolve.call(alias, doc, ctx),
  });
};
