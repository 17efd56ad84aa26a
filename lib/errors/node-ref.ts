/**
 * The plain reference that events and errors carry for a node, and an exit in words: the part of a command's
 * events that errors need too, so that errors/ (the leaf layer) does not import nodes/. nodes/command-event.ts
 * re-exports them.
 * @module
 */
/** What a command event says about the node it comes from: enough for renderers to name it. @category models */
export interface NodeRef {
  /** Short name shown in prefixes and errors: the hostname as given, or `localhost` for a LocalNode. */
  readonly label: string;
  /** The host name or address connected to (`localhost` for a LocalNode). */
  readonly hostname: string;
  /** The remote user, when known. */
  readonly username?: string | undefined;
  /** The port, when given (`undefined`: the ssh config's `Port`, else 22; a LocalNode has none). */
  readonly port?: number | undefined;
}

const refs = new WeakMap<object, NodeRef>();
const isRef = new WeakSet<NodeRef>();

/**
 * The plain reference that events and errors carry for `node`: a frozen `{ label, hostname, username, port }`,
 * never the live node (whose options may hold a password). One object per node (made once, then reused), so
 * the events of one node share it; a reference given is returned as it is.
 * @example
 * const exit = exitEvent(nodeRef(node), 0);
 * @category constructors
 */
export const nodeRef = (node: NodeRef): NodeRef => {
  if (isRef.has(node)) return node;
  let ref = refs.get(node);
  if (ref === undefined) {
    ref = Object.freeze({
      label: node.label,
      hostname: node.hostname,
      username: node.username,
      port: node.port,
    });
    isRef.add(ref);
    refs.set(node, ref);
  }
  return ref;
};

/** `exit 3`, `killed by SIGTERM`: an exit in words. */
export const describeExit = (exit: {
  readonly code: number | null;
  readonly signal: string | null;
}): string =>
  exit.signal !== null
    ? `killed by ${exit.signal}`
    : exit.code === null
      ? 'no exit status'
      : `exit ${String(exit.code)}`;
