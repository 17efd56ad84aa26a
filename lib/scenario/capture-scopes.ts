/**
 * Where a scenario's captures go, as Ansible's `register` does: a capture of a job on one node is global, read
 * by every job; a capture of a job on a group is that member's (that host's), read by the later jobs on the
 * same member; a capture of a job of a matrix instance is that instance's. A `{{name}}` reads the innermost
 * scope first: the instance's, then the member's (a job of an instance on a group's member), then the global
 * one.
 * @module
 */
import { Variables } from '../commands/variables.js';

/** Variables that call `onCapture` for each value stored in them. */
class Watched extends Variables {
  readonly #onCapture: (name: string, value: string) => void;

  constructor(onCapture: (name: string, value: string) => void, parent?: Variables) {
    super(undefined, parent);
    this.#onCapture = onCapture;
  }

  override set(name: string, value: string): this {
    super.set(name, value);
    this.#onCapture(name, value);
    return this;
  }
}

/**
 * The variables of a job of a matrix instance: what it captures goes to the instance's store, shared by the
 * instance's jobs; a name is read there first, then in `parent` (its member's scope, or the global one).
 */
class InstanceJobVariables extends Variables {
  readonly #store: Variables;

  constructor(store: Variables, parent: Variables) {
    super(undefined, parent);
    this.#store = store;
  }

  override set(name: string, value: string): this {
    this.#store.set(name, value);
    return this;
  }

  override get(name: string): string | undefined {
    return this.#store.get(name) ?? this.parent?.get(name);
  }

  override has(name: string): boolean {
    return this.#store.has(name) || this.parent?.has(name) === true;
  }
}

/** The capture scopes of one built scenario. @internal */
export class CaptureScopes {
  /** The global scope: captures of jobs on one node. */
  readonly global: Variables;
  readonly #members = new Map<string, Variables>();
  readonly #make: (parent?: Variables) => Variables;

  constructor(onCapture?: (name: string, value: string) => void) {
    this.#make =
      onCapture === undefined
        ? (parent) => new Variables(undefined, parent)
        : (parent) => new Watched(onCapture, parent);
    this.global = this.#make();
  }

  /** The scope of a group's member (`fits[fit07]`): the same for every job on that member. */
  member(id: string): Variables {
    let scope = this.#members.get(id);
    if (scope === undefined) this.#members.set(id, (scope = this.#make(this.global)));
    return scope;
  }

  /** A new store for the captures of one matrix instance. */
  instance(): Variables {
    return this.#make();
  }

  /** The variables of a job of an instance (its `store`), on a group's member (its `member` scope) or not. */
  instanceJob(store: Variables, member: Variables | undefined): Variables {
    return new InstanceJobVariables(store, member ?? this.global);
  }
}
