import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import { ConfigError } from '../../errors/config-error.js';
import type { SchedulerCore as Scheduler } from '../../core/scheduler.js';
import { toDot } from '../text/dot.js';
import type { GraphOptions } from '../text/dot.js';
import { GraphvizError } from '../../errors/graphviz-error.js';

/**
 * An output format of graphviz's `dot -T`: `png`, `svg`, `pdf`, or any other that `dot -T?` lists (letters,
 * digits and `:`, as in `png:cairo`).
 * @category models
 */
export type GraphicFormat = 'png' | 'svg' | (string & {});

const FORMAT = /^[a-z0-9:]+$/;

/** Most of `dot`'s stderr kept for the error message. */
const STDERR_LIMIT = 64 * 1024;

/** A fresh name in the directory of `path`, so that renaming it onto `path` is atomic. */
const temporaryPath = (path: string): string =>
  join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** An fs failure, as a rejection that names `path` (not the temporary file) and keeps the original. */
const writeFailure = (path: string, cause: unknown): Error =>
  new Error(`cannot write ${path}: ${errorMessage(cause)}`, { cause });

/**
 * Has `produce` write a temporary file next to `path`, then renames it onto `path`; on failure removes the
 * temporary file, so `path` is either left alone or fully written.
 */
async function writeAtomically(path: string, produce: (temporary: string) => Promise<void>): Promise<void> {
  const temporary = temporaryPath(path);
  try {
    await produce(temporary);
    await rename(temporary, path).catch((e: unknown) => {
      throw writeFailure(path, e);
    });
  } catch (e) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw e;
  }
}

/**
 * Writes the graph of `scheduler` ({@link toDot}) to `path`, atomically (through a temporary file in the same
 * directory); resolves to `wrote <path>`. Rejects with an `Error` naming `path` whose `cause` is the fs error.
 * Used by `scheduler.exportAsDotfile()`.
 * @example
 * console.log(await exportAsDotfile(scheduler, 'graph.dot'));
 * @category running
 */
export async function exportAsDotfile(
  scheduler: Scheduler,
  path: string,
  options: GraphOptions = {},
): Promise<string> {
  const text = toDot(scheduler, options);
  await writeAtomically(path, (temporary) =>
    writeFile(temporary, text, { flag: 'wx' }).catch((e: unknown) => {
      throw writeFailure(path, e);
    }),
  );
  return `wrote ${path}`;
}

/**
 * Renders the graph of `scheduler` to `path` with graphviz (`dot -T<format>`, the DOT text on its stdin), through
 * a temporary file in the same directory renamed on success, so that no half-written file is left; resolves
 * to `wrote <path>`. `dot` is looked up on the `PATH` of `process.env` at call time.
 * Used by `scheduler.exportAsGraphic()`, `exportAsPngfile()` and `exportAsSvgfile()`.
 * @throws {ConfigError} (as a rejection, before running anything) when `format` is not made of `[a-z0-9:]`.
 * @throws {GraphvizError} (as a rejection) when `dot` is not installed, or fails (with its stderr).
 * @example
 * console.log(await exportAsGraphic(scheduler, 'graph.svg', 'svg'));
 * @category running
 */
export async function exportAsGraphic(
  scheduler: Scheduler,
  path: string,
  format: GraphicFormat,
  options: GraphOptions = {},
): Promise<string> {
  if (typeof format !== 'string' || !FORMAT.test(format))
    throw new ConfigError(
      `scheduler "${scheduler.label}"`,
      'format',
      `must be a graphviz output format such as 'png' or 'svg' (letters, digits and ':'), got ${JSON.stringify(format)}`,
    );
  const text = toDot(scheduler, options);
  await writeAtomically(path, (temporary) => runDot(text, format, temporary, path));
  return `wrote ${path}`;
}

/** Runs `dot -T<format> -o <output>` (no shell) with `text` on its stdin. */
function runDot(text: string, format: string, output: string, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error?: GraphvizError): void => {
      if (settled) return;
      settled = true;
      if (error === undefined) resolve();
      else reject(error);
    };
    const child = spawn('dot', [`-T${format}`, '-o', output], {
      stdio: ['pipe', 'ignore', 'pipe'],
      env: process.env,
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < STDERR_LIMIT) stderr += chunk.slice(0, STDERR_LIMIT - stderr.length);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      const reason = e.code === 'ENOENT' ? 'missing' : 'failed';
      settle(new GraphvizError({ reason, path, format, stderr }, { cause: e }));
    });
    child.on('close', (exitCode, signal) => {
      settle(
        exitCode === 0
          ? undefined
          : new GraphvizError({ reason: 'failed', path, format, exitCode, signal, stderr }),
      );
    });
    // dot may exit before reading all of its input (EPIPE): its exit status tells what happened.
    child.stdin.on('error', () => undefined);
    child.stdin.end(text);
  });
}
