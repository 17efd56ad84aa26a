import { accessSync, constants, statSync } from 'node:fs';

import { templateNamesIn, Variables } from '../commands/variables.js';
import type { CaptureNames } from './capture-names.js';
import { captureNames, scopedCapture } from './capture-names.js';
import { CommandSpec } from './codecs-commands.js';
import type { NodeSpec } from './codecs-nodes.js';
import { isLocalNodeSpec, isNodeGroupSpec } from './codecs-nodes.js';
import { nodeVariables } from './node-variables.js';
import { BUILT_IN_VARIABLES, NodeId } from './codecs-values.js';
import type { VariableValues } from './codecs-values.js';
import type { JobSpec } from './codecs.js';
import type { Part, ScenarioParts } from './parts.js';
import { decoded } from './parts.js';
import { localPath } from './paths.js';
import type { DataPath, RawProblem } from './problems.js';
import { substituteCommand } from './substitute.js';
import { undefinedInField } from './substitute-nodes.js';
import { suggest } from '../errors/suggest.js';

const NOT_FOUND = 'file not found: ';
const TEMPLATE = /\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}/;

/** What is wrong with a local file, or undefined when it can be read. */
const fileProblem = (file: string, kind: 'file' | 'any' | 'deferred'): string | undefined => {
  const template = TEMPLATE.exec(file)?.[0];
  if (template !== undefined)
    return kind === 'deferred'
      ? undefined
      : `${template} has no value before the run, and this file is read as written`;
  try {
    const stat = statSync(file);
    if (kind === 'file' && stat.isDirectory()) return `${file} is a directory`;
    accessSync(file, constants.R_OK);
    return undefined;
  } catch (e: unknown) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${NOT_FOUND}${file}` : `cannot read ${file}: ${code ?? String(e)}`;
  }
};

/** The local files a command reads, each with its path in the data (`localPaths` may be one string). */
const localFiles = (
  command: CommandSpec,
  raw: unknown,
): { key: DataPath; file: string; kind: 'file' | 'any' | 'deferred' }[] => {
  const listed = (key: string, files: readonly string[] | undefined, kind: 'any' | 'deferred' = 'any') => {
    const one =
      typeof raw === 'object' && raw !== null && !Array.isArray((raw as Record<string, unknown>)[key]);
    return (files ?? []).map((file, i) => ({ key: one ? [key] : [key, i], file, kind }));
  };
  switch (command.type) {
    case 'RunScript':
      return [
        { key: ['script'], file: command.script, kind: 'file' },
        ...listed('includes', command.includes),
      ];
    case 'RunString':
      return listed('includes', command.includes);
    case 'Push':
      return listed('localPaths', command.localPaths, 'deferred');
    default:
      return [];
  }
};

/** The `{{name}}`s in the texts of a (substituted) command; `capture` is a name, not a text. */
const templateNames = (command: CommandSpec): Set<string> => {
  const names = new Set<string>();
  const visit = (x: unknown): void => {
    if (typeof x === 'string') {
      if (x.includes('{{')) for (const name of templateNamesIn(x)) names.add(name);
    } else if (Array.isArray(x)) for (const item of x) visit(item);
    else if (typeof x === 'object' && x !== null)
      for (const key in x) if (key !== 'capture') visit((x as Record<string, unknown>)[key]);
  };
  visit(command);
  return names;
};

/** `{{x}}` that nothing defines, with the nearest known name. */
const undefinedVariable = (name: string, known: readonly string[]): string => {
  const near = suggest(name, known);
  return (
    `{{${name}}} is not defined: no variable (global, the node's, or node, hostname, username) and no ` +
    `capture gives it${near === undefined ? '' : ` (did you mean {{${near}}}?)`}: define it under ` +
    `variables, or capture it with capture: ${name} in a command that runs before`
  );
};

/** What the checks of a job's commands need to know of its node: the same for every job of the node. */
interface NodeContext {
  readonly spec: NodeSpec | undefined;
  readonly variables: Variables;
  /** The names a capture cannot take: those replaced before the run. */
  readonly names: ReadonlySet<string>;
  readonly where: string;
  readonly local: boolean;
  /** A name left in the node's hostname or username: reported there, not again where {{hostname}} is used. */
  readonly reported: ReadonlySet<string>;
  /** The names captures give the jobs of this node: the global ones, and its members' for a group. */
  readonly captures: ReadonlySet<string>;
}

/** Without a decoded node, its variables are the global ones and its built-ins are not known. */
const nodeContext = (
  node: Part<NodeSpec> | undefined,
  globals: VariableValues,
  scope: CaptureScope,
): NodeContext => {
  const spec = node?.spec;
  const variables =
    spec === undefined ? new Variables(Object.entries(globals)) : nodeVariables(globals, spec);
  return {
    spec,
    variables,
    names: new Set([...BUILT_IN_VARIABLES, ...variables.keys()]),
    where: node?.id === undefined ? '' : ` of node "${node.id}"`,
    local: node !== undefined && Object.hasOwn(node.raw, 'local'),
    reported: new Set(
      spec === undefined || isLocalNodeSpec(spec)
        ? []
        : [spec.hostname, spec.username ?? ''].flatMap(templateNamesIn),
    ),
    captures: new Set([...scope.shared, ...(scope.byGroup.get(node?.id ?? '') ?? [])]),
  };
};

/** `fileProblem`, once per path, kind and scenario: ten thousand jobs often read the same few files. */
type FileCheck = (file: string, kind: 'file' | 'any' | 'deferred') => string | undefined;
const fileChecker = (dir: string): FileCheck => {
  const known = new Map<string, string | undefined>();
  return (file, kind) => {
    const key = `${kind}\0${file}`;
    if (known.has(key)) return known.get(key);
    const problem = fileProblem(localPath(dir, file), kind);
    known.set(key, problem);
    return problem;
  };
};

/**
 * The problems of a job's commands that decode. Without a decoded node, paths still holding a `{{name}}`
 * are not checked.
 */
const checkJob = (
  job: Part<JobSpec>,
  context: NodeContext,
  checkFile: FileCheck,
  scoped: CaptureNames['scoped'],
  axes: readonly string[],
): RawProblem[] => {
  const problems: RawProblem[] = [];
  const { spec, variables, names, where, local, reported, captures } = context;
  const label = job.raw['label'];
  // a label is filled when the job is built: by its node's values (a member's, an instance's), not captures
  if (spec !== undefined && typeof label === 'string')
    for (const name of new Set(templateNamesIn(variables.expand(label))))
      if (!reported.has(name) && !axes.includes(name))
        problems.push({
          path: [...job.path, 'label'],
          message: undefinedInField(
            name,
            job.id === undefined ? 'this job' : `job "${job.id}"`,
            'label',
            names,
            axes.filter((a) => a !== 'instance'),
          ),
          at: 'value',
        });
  const commands = job.raw['commands'];
  if (!Array.isArray(commands)) return problems;
  commands.forEach((raw: unknown, k) => {
    // a job that decodes has its commands decoded: not again, one by one
    const command = job.spec === undefined ? decoded(CommandSpec, raw) : job.spec.commands[k];
    if (command === undefined) return;
    const at = [...job.path, 'commands', k];
    const substituted = substituteCommand(command, variables);
    // a name left after substitution must be one that a capture gives at run time
    if (spec !== undefined)
      for (const name of templateNames(substituted))
        if (!captures.has(name) && !reported.has(name)) {
          const places = scoped.get(name);
          const who = `${job.id === undefined ? 'this job' : `job "${job.id}"`}${where.replace(' of ', ' on ')}`;
          const message =
            places === undefined
              ? undefinedVariable(name, [...names, ...captures])
              : scopedCapture(name, places, who);
          problems.push({ path: at, message, at: 'value' });
        }
    for (const { key, file, kind } of localFiles(substituted, raw)) {
      const message = checkFile(file, spec === undefined ? 'deferred' : kind);
      if (message !== undefined)
        problems.push({
          path: [...at, ...key],
          message,
          at: 'value',
          ...(message.startsWith(NOT_FOUND) ? { missingFile: true as const } : {}),
        });
    }
    if (command.type === 'Push' || command.type === 'Pull') return;
    if (command.capture !== undefined && names.has(command.capture))
      problems.push({
        path: [...at, 'capture'],
        message: `"${command.capture}" is a variable${where} replaced before the run: a capture cannot change it`,
        at: 'value',
      });
    if (command.pty === true && local)
      problems.push({ path: [...at, 'pty'], message: `not available on a local node`, at: 'value' });
  });
  return problems;
};

/**
 * Checks what the file refers to outside itself, so that nothing runs when something is missing: the local
 * files of each job's commands (scripts, includes, Push sources, with the job's node's variables
 * substituted) and the SSH nodes' keys, relative to `dir`. Also: `{{name}}`s that nothing defines (neither
 * a variable, a built-in, a capture, nor one of `runtimeVariables`), captures into variables that are
 * replaced before the run, and `pty` on local nodes. Commands with problems of their own are left out. A Push source still holding a `{{name}}` after substitution is left for the run
 * (a capture may give it); a script or an include cannot be, since they are read as written.
 * @internal
 */
export const checkFiles = (
  parts: ScenarioParts,
  dir: string,
  runtimeVariables: readonly string[] = [],
  axes: readonly string[] = [],
  given?: CaptureScope,
): RawProblem[] => {
  const problems: RawProblem[] = [];
  const checkFile = fileChecker(dir);
  const nodes = new Map<string, Part<NodeSpec>>();
  for (const part of parts.nodes) if (part.id !== undefined && !nodes.has(part.id)) nodes.set(part.id, part);
  for (const part of parts.nodes) {
    const node = part.spec;
    if (node === undefined || isLocalNodeSpec(node)) continue;
    node.keys?.forEach((key, i) => {
      const message = checkFile(key, 'file');
      if (message !== undefined) problems.push({ path: [...part.path, 'keys', i], message, at: 'value' });
    });
  }
  const nodeOf = (job: Part<unknown>): Part<NodeSpec> | undefined => {
    const id = (job.spec as JobSpec | undefined)?.node ?? decoded(NodeId, job.raw['node']);
    return id === undefined ? undefined : nodes.get(id);
  };
  const scope = given ?? captureScope(parts.jobs, nodeOf, runtimeVariables);
  const contexts = new Map<Part<NodeSpec> | undefined, NodeContext>();
  for (const job of parts.jobs) {
    const node = nodeOf(job);
    let context = contexts.get(node);
    if (context === undefined) contexts.set(node, (context = nodeContext(node, parts.variables, scope)));
    for (const problem of checkJob(job, context, checkFile, scope.scoped, axes)) problems.push(problem);
  }
  return problems;
};

/**
 * The names the captures give the jobs checked: `shared` to every one, `byGroup` to those on a group's
 * members; `scoped` says where the others are captured.
 * @internal
 */
export interface CaptureScope {
  readonly shared: ReadonlySet<string>;
  readonly byGroup: CaptureNames['byGroup'];
  readonly scoped: CaptureNames['scoped'];
}

/** The capture scope of the file's own jobs. @internal */
export const captureScope = (
  jobs: readonly Part<unknown>[],
  nodeOf: (job: Part<unknown>) => Part<NodeSpec> | undefined,
  runtimeVariables: readonly string[],
): CaptureScope & CaptureNames => {
  const names = captureNames(jobs, (job) => {
    const node = nodeOf(job);
    return node?.spec !== undefined && isNodeGroupSpec(node.spec) ? node.id : undefined;
  });
  return { ...names, shared: new Set([...names.global, ...runtimeVariables]) };
};
