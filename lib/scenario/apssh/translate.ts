/**
 * apssh's YAML loader dialect (apssh's `YamlLoader`), read as rxjobs' own: a pass over the parsed data, before
 * the codecs, that renames apssh's keys to rxjobs' and remembers where each came from, so that problems still
 * name the key and line the user wrote. Files in rxjobs' dialect go through untouched.
 * @module
 */
import { isRecord } from '../codecs-combinators.js';
import type { DataPath, RawProblem } from '../problems.js';
import { translateCommand } from './commands.js';
import { entriesOf, usageOf } from './dialect.js';
import type { Dialect, Note, Origin, Pass } from './pass.js';
import { note, originalPath, problem, renamed } from './pass.js';

/**
 * What the apssh pass made of a file: the data in rxjobs' form, its dialect, and the notes that `--dry-run`
 * prints (one per kind of translated key or differing default, with how many times it applies).
 * @category models
 */
export interface ApsshDialect {
  readonly dialect: Dialect;
  readonly notes: readonly Note[];
}

/** The result of {@link translateApssh}. @internal */
export interface Translated {
  readonly data: unknown;
  readonly dialect: ApsshDialect;
  /** The pass's own problems, at the file's paths. */
  readonly problems: readonly RawProblem[];
  /** The file's path of a path of the rxjobs form. */
  readonly original: (path: DataPath) => DataPath;
}

const FORMATTERS: Readonly<Record<string, string>> = {
  RawFormatter: 'rxjobs run -r gives raw lines for every node',
  HostFormatter: "rxjobs' default is host:line for every node",
  TimeHostFormatter: 'rxjobs run --time gives time:host:line for every node',
};
const FORMATTER_FIX: Readonly<Record<string, string>> = {
  SubdirFormatter: 'use rxjobs run -o DIR (one file per node, DIR/node and DIR/node.err)',
  CaptureFormatter: 'use capture: NAME in a command to keep its output',
};

const translateNode = (pass: Pass, n: unknown, at: DataPath): unknown => {
  if (!isRecord(n)) return n;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(n)) {
    if (key === 'localnode') {
      if (Object.hasOwn(n, 'local')) {
        problem(pass, [...at, key], "both localnode (apssh's) and local (rxjobs'): keep local");
        continue;
      }
      if (value === false)
        problem(
          pass,
          [...at, key],
          'localnode: false makes a local node in apssh too (the key alone counts): remove it for an SSH node, or write local: true',
          'value',
        );
      else note(pass, 'localnode', 'node', 'localnode read as local: true');
      // read as apssh does, so that nothing else is reported for it
      out['local'] = true;
      renamed(pass, [...at, 'local'], [...at, key]);
    } else if (key === 'formatter') {
      const fine = typeof value === 'string' ? FORMATTERS[value] : undefined;
      if (fine !== undefined)
        note(pass, `formatter-${String(value)}`, 'node', `formatter ${String(value)} ignored: ${fine}`);
      else {
        const fix = typeof value === 'string' ? FORMATTER_FIX[value] : undefined;
        problem(
          pass,
          [...at, key],
          `formatter ${String(value)} is not available per node: ${fix ?? 'expected RawFormatter, HostFormatter or TimeHostFormatter (or none)'}`,
          'value',
        );
      }
    } else if (key === 'verbose' || key === 'critical') {
      note(pass, `node-${key}`, 'node', `${key} ignored, as apssh's loader does on nodes`);
    } else out[key] = value;
  }
  if (pass.dialect === 'apssh' && !Object.hasOwn(out, 'local') && !Object.hasOwn(out, 'username'))
    note(
      pass,
      'username',
      'node',
      "no username: apssh logs in as root, rxjobs as -l USER, else the ssh config's User, else the local user (write username: root for apssh's)",
    );
  return out;
};

const translateJob = (pass: Pass, j: unknown, at: DataPath): unknown => {
  if (!isRecord(j)) return j;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(j)) {
    if (key === 'required') {
      if (Object.hasOwn(j, 'requires'))
        problem(
          pass,
          [...at, key],
          "both required (apssh's) and requires (rxjobs'): keep one of them, requires",
        );
      else {
        out['requires'] = value;
        renamed(pass, [...at, 'requires'], [...at, key]);
        note(pass, 'required', 'job', 'required read as requires');
      }
    } else if (key === 'verbose') {
      note(
        pass,
        'job-verbose',
        'job',
        'verbose ignored: rxjobs has no bash -x mode (--json shows each command, its output and exit)',
      );
    } else if (key === 'label' && typeof value === 'string' && value.trim() !== '') {
      out[key] = value.trim();
    } else if (key === 'commands' && Array.isArray(value)) {
      out[key] = value.map((c: unknown, k) => translateCommand(pass, c, [...at, key, k]));
    } else out[key] = value;
  }
  if (pass.dialect === 'apssh' && !Object.hasOwn(j, 'critical'))
    note(
      pass,
      'critical',
      'job',
      "no critical: apssh's jobs are critical unless they say, rxjobs' are not (write critical: true, or scheduler: {critical: true}, for apssh's)",
    );
  return out;
};

/** A section (`nodes`, `jobs`) with each entry translated, in the same form (a list, or a map from ids). */
const section = (
  pass: Pass,
  u: unknown,
  name: string,
  one: (pass: Pass, entry: unknown, at: DataPath) => unknown,
): unknown => {
  if (!Array.isArray(u) && !isRecord(u)) return u;
  const entries = entriesOf(u).map(([k, v]): [string | number, unknown] => [k, one(pass, v, [name, k])]);
  return Array.isArray(u) ? entries.map(([, v]) => v) : Object.fromEntries(entries);
};

const RXJOBS: Translated = {
  data: undefined,
  dialect: { dialect: 'rxjobs', notes: [] },
  problems: [],
  original: (p) => p,
};

/**
 * Reads a scenario's data written in apssh's loader dialect (or with some of its keys) as rxjobs' form.
 * `cwd` is what relative paths of commands written with apssh's keys are relative to (apssh's rule).
 * Data in rxjobs' dialect is returned as it is (the same object), with its job labels trimmed.
 * @internal
 */
export const translateApssh = (data: unknown, cwd: string): Translated => {
  const usage = usageOf(data);
  if (!isRecord(data) || (usage.dialect === 'rxjobs' && !usage.labels)) return { ...RXJOBS, data };
  const pass: Pass = {
    dialect: usage.dialect,
    cwd,
    problems: [],
    origins: new Map<string, Origin>(),
    notes: new Map(),
  };
  const out = {
    ...data,
    nodes: section(pass, data['nodes'], 'nodes', usage.dialect === 'rxjobs' ? (_p, n) => n : translateNode),
    jobs: section(pass, data['jobs'], 'jobs', translateJob),
  };
  if (!Object.hasOwn(data, 'nodes')) delete (out as Record<string, unknown>)['nodes'];
  if (!Object.hasOwn(data, 'jobs')) delete (out as Record<string, unknown>)['jobs'];
  const { origins } = pass;
  return {
    data: out,
    dialect: { dialect: usage.dialect, notes: [...pass.notes.values()] },
    problems: pass.problems,
    original: (p) => originalPath(origins, p),
  };
};
