import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import { codeOf } from '../../errors/error-code.js';

/**
 * `mkdir -p`, one missing component after the other. Node's own `mkdir(dir, { recursive: true })` never
 * returns for a path under `/proc` (ENOENT for the child, EEXIST for the parent, again and again); here an
 * error names the path and the reason at once (ENOTDIR under a file, EACCES, ENOENT under /proc, ...).
 * @internal
 */
export async function makeDirectory(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let at = resolve(dir); ;) {
    const found = await stat(at).catch((e: unknown) => {
      if (codeOf(e) === 'ENOENT') return undefined;
      throw e;
    });
    if (found !== undefined) {
      if (!found.isDirectory())
        throw Object.assign(new Error(`ENOTDIR: ${at} is not a directory`), { code: 'ENOTDIR', path: at });
      break;
    }
    const parent = dirname(at);
    if (parent === at) break;
    missing.push(at);
    at = parent;
  }
  for (const path of missing.reverse())
    await mkdir(path).catch((e: unknown) => {
      if (codeOf(e) !== 'EEXIST') throw e;
    });
}

/**
 * Makes `dir` (see {@link makeDirectory}) and checks that a file can be created in it (then removes it).
 * @internal
 */
export async function makeWritableDirectory(dir: string): Promise<void> {
  await makeDirectory(dir);
  const probe = join(dir, `.rxjobs-probe-${String(process.pid)}`);
  await writeFile(probe, '', { flag: 'wx' });
  await rm(probe, { force: true });
}
