/**
 * The config files of one resolution: each read and parsed once, Include paths and their globs.
 * @module
 */
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

import { parse } from 'ssh-config';
import type { Line } from 'ssh-config';

import { ConfigError } from '../../../errors/config-error.js';
import { patternMatches } from './match.js';
import type { Walk } from './walk-state.js';

/** How deep Include may nest. */
export const MAX_INCLUDE_DEPTH = 16; // READCONF_MAX_DEPTH

/** Parses config text; `subject` names the file in errors. */
export function parseText(text: string, subject: string): readonly Line[] {
  try {
    return parse(text);
  } catch (e: unknown) {
    const why = e instanceof Error ? e.message : String(e);
    throw new ConfigError(
      subject,
      'syntax',
      `cannot be parsed (${why}): fix that line (ssh -G -F <file> <host> shows it too)`,
      {
        cause: e,
      },
    );
  }
}

/** A file's lines, read and parsed once per resolution; undefined when it does not exist. */
export function load(path: string, w: Walk): Promise<readonly Line[] | undefined> {
  let lines = w.files.get(path);
  if (lines === undefined) {
    lines = readFile(path, 'utf8').then(
      (text) => parseText(text, path),
      (e: unknown) => {
        const code = e instanceof Error && 'code' in e ? String(e.code) : String(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        throw new ConfigError(path, 'file', `cannot be read (${code}): make it a readable file`, {
          cause: e,
        });
      },
    );
    w.files.set(path, lines);
  }
  return lines;
}

/** An Include path: `~` is the home directory, a relative path is in `<home>/.ssh`. */
export function includePath(pattern: string, home: string): string {
  if (pattern === '~' || pattern.startsWith('~/')) return home.replace(/\/+$/, '') + pattern.slice(1);
  return isAbsolute(pattern) ? pattern : join(home, '.ssh', pattern);
}

/** glob(3) for Include: `*` and `?` in any path segment, no dotfiles unless asked, in lexical order. */
export async function expandGlob(pattern: string): Promise<string[]> {
  if (!/[*?]/.test(pattern)) return [pattern];
  let paths = [pattern.startsWith('/') ? '/' : '.'];
  for (const segment of pattern.split('/').filter((s) => s !== '')) {
    if (!/[*?]/.test(segment)) {
      paths = paths.map((p) => join(p, segment));
      continue;
    }
    const next: string[] = [];
    for (const dir of paths) {
      const names = await readdir(dir).catch(() => []);
      for (const name of names.sort())
        if ((segment.startsWith('.') || !name.startsWith('.')) && patternMatches(name, segment))
          next.push(join(dir, name));
    }
    paths = next;
  }
  return paths;
}
