/**
 * The names a scenario's captures give, by scope, for the checks before the run (see capture-scopes.ts for the
 * run): a capture of a job on one node is global, one of a job on a group is each member's, read by the jobs
 * on that group (and by a matrix's jobs on its members), one of a matrix's job is each instance's.
 * @module
 */
import { CommandSpec } from './codecs-commands.js';
import type { Part } from './parts.js';
import { decoded } from './parts.js';

/** What the captures of a list of jobs give, by scope. @internal */
export interface CaptureNames {
  /** Captured by jobs on one node (or on a node that does not decode): read by every job. */
  readonly global: ReadonlySet<string>;
  /** Captured by the jobs on each group, by group id: read by the jobs on that group's members. */
  readonly byGroup: ReadonlyMap<string, ReadonlySet<string>>;
  /** Where each name that is not global is captured, for messages: `group "fits"`, `matrix "pairs"`. */
  readonly scoped: ReadonlyMap<string, readonly string[]>;
}

/** The names the commands (raw, or decoded in `spec`) capture into. */
export const capturedBy = (raw: unknown, spec?: { readonly commands: readonly CommandSpec[] }): string[] => {
  const commands = spec?.commands ?? (Array.isArray(raw) ? (raw as readonly unknown[]) : []);
  return commands.flatMap((c: unknown) => {
    const command = spec === undefined ? decoded(CommandSpec, c) : (c as CommandSpec);
    return command !== undefined && command.type !== 'Push' && command.type !== 'Pull' && command.capture
      ? [command.capture]
      : [];
  });
};

const add = <K, V>(map: Map<K, V[]>, key: K, value: V): void => {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
};

/**
 * The captures of the file's jobs by scope; `groupOf(job)` is the id of the group a job runs on, if it runs
 * on one. A matrix entry's block gives names to its own instances only (`scoped`).
 * @internal
 */
export const captureNames = (
  jobs: readonly Part<unknown>[],
  groupOf: (job: Part<unknown>) => string | undefined,
): CaptureNames => {
  const global = new Set<string>();
  const byGroup = new Map<string, string[]>();
  const scoped = new Map<string, string[]>();
  for (const job of jobs) {
    const spec = job.spec as { readonly commands: readonly CommandSpec[] } | undefined;
    if (Object.hasOwn(job.raw, 'matrix')) {
      const block = job.raw['jobs'];
      for (const one of Array.isArray(block) ? (block as unknown[]) : [])
        if (typeof one === 'object' && one !== null)
          for (const name of capturedBy((one as Record<string, unknown>)['commands']))
            add(scoped, name, `matrix "${job.id ?? '?'}"`);
      continue;
    }
    const group = groupOf(job);
    for (const name of capturedBy(job.raw['commands'], spec))
      if (group === undefined) global.add(name);
      else {
        add(byGroup, group, name);
        add(scoped, name, `group "${group}"`);
      }
  }
  return { global, byGroup: new Map([...byGroup].map(([g, names]) => [g, new Set(names)])), scoped };
};

/**
 * Why `{{name}}`, captured only in other scopes (`places`: `group "fits"`, `matrix "m"`), is not seen by
 * `who` (`job "collect"`).
 * @internal
 */
export const scopedCapture = (name: string, places: readonly string[], who: string): string => {
  const groups = places.filter((p) => p.startsWith('group'));
  const each =
    groups.length === 0 ? 'each instance has its own value' : 'each member (host) has its own value';
  const there = groups.length === 0 ? 'in a job of that matrix' : `in a job on ${groups.join(' or ')}`;
  return (
    `{{${name}}} is captured only by the jobs of ${places.join(' and ')}, where ${each}: ${who} does not ` +
    `see it; use it ${there}, or capture it in a job on one node (a value every job sees)`
  );
};
