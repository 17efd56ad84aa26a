/** Versions: of tools, of packages, of the machine; and Node.js children without NODE_EXTRA_CA_CERTS. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { median } from './figures.mjs';
import { MB, ROOT } from './files.mjs';

export const version = (cmd, args, pattern) => {
  const out = spawnSync(cmd, args, { encoding: 'utf8' });
  if (out.error !== undefined) return 'not installed';
  const text = `${out.stdout ?? ''}${out.stderr ?? ''}`;
  return (pattern.exec(text)?.[1] ?? text.trim().split('\n')[0]) || '?';
};
/** The `version` of a package.json, `p` relative to the repository's root. */
export const readVersion = (p) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, p), 'utf8')).version;
  } catch {
    return '?';
  }
};
/** Node, the machine, and the versions of rxjobs (dist/), ssh2 and rxjs. */
export const platformLine = () => {
  const cpus = os.cpus();
  return (
    `node ${process.version} (${process.platform}/${process.arch}), ${cpus.length} cores` +
    `${cpus[0] === undefined ? '' : ` (${cpus[0].model.trim()})`}, ${Math.round(os.totalmem() / MB / 1024)} GB; ` +
    `rxjobs ${readVersion('package.json')} (dist/), ssh2 ${readVersion('node_modules/ssh2/package.json')}, ` +
    `rxjs ${readVersion('node_modules/rxjs/package.json')}`
  );
};

/**
 * `env` without NODE_EXTRA_CA_CERTS, for the children of a bench: Node.js reads and parses that file at
 * every start, before any code of ours runs (the other tools ignore it), and no bench opens TLS.
 */
export const withoutExtraCaCerts = (env = process.env) => {
  const copy = { ...env };
  delete copy.NODE_EXTRA_CA_CERTS;
  return copy;
};

/**
 * A line saying that the Node.js children run without NODE_EXTRA_CA_CERTS, with what that costs here (the
 * median wall time of `node -e 0` with and without it, 5 runs each); undefined when it is not set.
 */
export const extraCaCertsLine = () => {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (file === undefined || file === '') return undefined;
  const startMs = (env) =>
    median(
      Array.from({ length: 5 }, () => {
        const t0 = performance.now();
        spawnSync(process.execPath, ['-e', '0'], { env, stdio: 'ignore' });
        return performance.now() - t0;
      }),
    );
  return (
    `NODE_EXTRA_CA_CERTS=${file} is set here; the Node.js children run without it (\`node -e 0\`: ` +
    `${Math.round(startMs(process.env))} ms with it, ${Math.round(startMs(withoutExtraCaCerts()))} ms without)`
  );
};
