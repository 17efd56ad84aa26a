/**
 * The plan of a scenario as text, for `--dry-run`.
 * @module
 */
import path from 'node:path';

import { shellJoin, shellQuote } from '../nodes/shell-quote.js';
import { dialectNotes } from './apssh/notes.js';
import type { BuildScenarioOptions } from './build.js';
import type { CommandSpec } from './codecs-commands.js';
import type { NodeSpec } from './codecs-nodes.js';
import { isLocalNodeSpec } from './codecs-nodes.js';
import type { JobSpec } from './codecs.js';
import type { LoadedScenario } from './load.js';
import { nodeVariables } from './node-variables.js';
import { substituteJob } from './substitute.js';

const seconds = (s: number): string => `${String(s)} s`;

/** `(capture x, allowed exits 1, TERM)`, or nothing. */
const extras = (parts: readonly (string | false | undefined)[]): string => {
  const kept = parts.filter((p): p is string => typeof p === 'string');
  return kept.length === 0 ? '' : `  (${kept.join('; ')})`;
};

const firstLine = (body: string): string => {
  const line =
    body
      .split('\n')
      .find((l) => l.trim() !== '' && !l.startsWith('#'))
      ?.trim() ?? '';
  return line.length > 40 ? `${line.slice(0, 40)}...` : line;
};

const describeCommand = (c: CommandSpec): string => {
  const args = (list: readonly string[] | undefined) =>
    list === undefined || list.length === 0 ? '' : ` ${shellJoin(list)}`;
  switch (c.type) {
    case 'Push':
      return `Push: ${c.localPaths.join(', ')} -> ${c.remoteDir}`;
    case 'Pull':
      return `Pull: ${c.remotePaths.join(', ')} -> ${c.localDir}`;
    default: {
      const text =
        c.type === 'Run'
          ? c.argv !== undefined
            ? [shellQuote(c.argv[0] ?? ''), ...c.argv.slice(1).map(shellQuote)].join(' ')
            : `${c.command ?? ''}${args(c.args)}`
          : c.type === 'RunScript'
            ? `${c.script}${args(c.args)}`
            : `${c.remoteName ?? firstLine(c.body)}${args(c.args)}`;
      return `${c.type}: ${text}${extras([
        c.capture !== undefined && `capture ${c.capture}`,
        c.allowedExits !== undefined && `allowed exits ${c.allowedExits.join(', ')}`,
        c.env !== undefined && `env ${Object.keys(c.env).join(', ')}`,
        c.pty === true && 'pty',
        c.type !== 'Run' &&
          c.includes !== undefined &&
          c.includes.length > 0 &&
          `includes ${c.includes.join(', ')}`,
      ])}`;
    }
  }
};

/** `gw -> n1`: the ids from the first gateway to the node. */
const chainOf = (node: NodeSpec, byId: ReadonlyMap<string, NodeSpec>): string[] => {
  const chain = [node.id];
  for (let at = byId.get(node.id); at !== undefined && !isLocalNodeSpec(at) && at.gateway !== undefined;) {
    if (chain.includes(at.gateway)) break;
    chain.unshift(at.gateway);
    at = byId.get(at.gateway);
  }
  return chain;
};

const describeNode = (node: NodeSpec, byId: ReadonlyMap<string, NodeSpec>, username: string | undefined) => {
  if (isLocalNodeSpec(node)) return 'local';
  const user = node.username ?? username;
  const port = node.port === undefined || node.port === 22 ? '' : `:${String(node.port)}`;
  const chain = chainOf(node, byId);
  return `ssh ${user === undefined ? '' : `${user}@`}${node.hostname}${port}${chain.length > 1 ? ` via ${chain.join(' -> ')}` : ''}`;
};

const describeJob = (job: JobSpec): string[] => {
  const flags = [
    job.label !== undefined && `label ${JSON.stringify(job.label)}`,
    job.critical !== undefined && (job.critical ? 'critical' : 'not critical'),
    job.forever === true && 'forever',
    job.timeout !== undefined && `timeout ${seconds(job.timeout)}`,
    job.runIf !== undefined && `runIf ${job.runIf}`,
    job.requires !== undefined && job.requires.length > 0 && `requires ${job.requires.join(', ')}`,
  ].filter((f): f is string => typeof f === 'string');
  return [
    `  ${job.id} on ${job.node}${flags.length > 0 ? ` [${flags.join(', ')}]` : ''}`,
    ...job.commands.map((c, i) => `    ${String(i + 1)}. ${describeCommand(c)}`),
  ];
};

/**
 * The plan of a loaded scenario, for a dry run: the scheduler's options, the nodes (with their gateway
 * chains, `gw -> n1`), and the jobs in file order with their options, requirements and commands, the commands
 * as they will run (`{{name}}` replaced as in `buildScenario`; run-time names left as `{{name}}`). The same
 * scenario always gives the same text.
 * @example
 * if (dryRun) console.log(describeScenario(loaded));
 * @category combinators
 */
export function describeScenario(loaded: LoadedScenario, options: BuildScenarioOptions = {}): string {
  const { spec } = loaded;
  const s = spec.scheduler ?? {};
  const scheduler = [
    JSON.stringify(s.label ?? path.basename(loaded.file)),
    s.timeout !== undefined && `timeout ${seconds(s.timeout)}`,
    s.jobsWindow !== undefined && `jobsWindow ${String(s.jobsWindow)}`,
    s.critical !== undefined && (s.critical ? 'critical' : 'not critical'),
    s.shutdownTimeout !== undefined && `shutdownTimeout ${seconds(s.shutdownTimeout)}`,
  ].filter((f): f is string => typeof f === 'string');
  const byId = new Map(spec.nodes.map((n) => [n.id, n]));
  const width = Math.max(...spec.nodes.map((n) => n.id.length));
  const username = options.ssh?.username;
  return [
    `scenario ${loaded.file}`,
    `scheduler ${scheduler.join(', ')}`,
    `nodes (${String(spec.nodes.length)}):`,
    ...spec.nodes.map((n) => `  ${n.id.padEnd(width)}  ${describeNode(n, byId, username)}`),
    `jobs (${String(spec.jobs.length)}):`,
    ...spec.jobs.flatMap((job) => {
      const node = byId.get(job.node);
      return describeJob(
        node === undefined ? job : substituteJob(job, nodeVariables(spec.variables, node, username)),
      );
    }),
    ...dialectNotes(loaded.dialect), // the apssh dialect's notes (i13-apssh)
  ].join('\n');
}
