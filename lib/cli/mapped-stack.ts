// The stack of an internal error in the TypeScript sources: the CLIs run as bundles (scripts/bundle-cli.mjs),
// whose line numbers mean nothing to a reader. Node maps stacks only under --enable-source-maps, which would
// parse every source map at every start; this reads the map of a file only when a stack names it.
import { existsSync, readFileSync } from 'node:fs';
import { findSourceMap, SourceMap } from 'node:module';
import type { SourceMapPayload } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A frame's place: `(/path/file.js:12:34)` or `at /path/file.js:12:34`, with or without `file://`. */
const FRAME = /((?:file:\/\/)?\/[^\s():]+\.[cm]?js):(\d+):(\d+)/g;

/**
 * `stack` with each frame of a file that has a source map beside it (`file.js.map`) moved to its source
 * file, line and column; frames without one (Node's own, or already mapped) are left as they are.
 */
export function mappedStack(stack: string): string {
  const maps = new Map<string, { map: SourceMap; dir: string } | undefined>();
  const mapOf = (file: string): { map: SourceMap; dir: string } | undefined => {
    if (!maps.has(file)) {
      let found: { map: SourceMap; dir: string } | undefined;
      try {
        const known = findSourceMap(file); // Node's own, under --enable-source-maps: nothing to redo
        if (known === undefined && existsSync(`${file}.map`)) {
          const payload = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMapPayload;
          found = { map: new SourceMap(payload), dir: dirname(file) };
        }
      } catch {
        found = undefined; // an unreadable map: the frame as it is
      }
      maps.set(file, found);
    }
    return maps.get(file);
  };
  return stack.replace(FRAME, (place: string, name: string, line: string, column: string) => {
    const file = name.startsWith('file://') ? fileURLToPath(name) : name;
    const found = mapOf(file);
    const entry = found?.map.findEntry(Number(line) - 1, Number(column) - 1);
    if (found === undefined || entry === undefined || !('originalSource' in entry)) return place;
    const { originalSource } = entry;
    const source = originalSource.startsWith('file://')
      ? fileURLToPath(originalSource)
      : resolve(found.dir, originalSource);
    return `${source}:${String(entry.originalLine + 1)}:${String(entry.originalColumn + 1)}`;
  });
}
