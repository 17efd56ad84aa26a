import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect } from 'chai';

import { compileCacheDir } from '../../lib/cli/compile-cache.js';

const MODULE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../lib/cli/compile-cache.ts');

describe('useCompileCache (V8 code cache for the CLIs)', () => {
  let dir: string;
  let cache: string;

  /** Loads fixture/main.js in a fresh node with the cache on; its output. */
  const load = (): string =>
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { createRequire } from 'node:module';
         import { useCompileCache } from ${JSON.stringify(MODULE)};
         useCompileCache(${JSON.stringify(cache)});
         const main = createRequire(import.meta.url)(${JSON.stringify(path.join(dir, 'fixture', 'main.js'))});
         process.stdout.write(main.describe());`,
      ],
      { encoding: 'utf8', cwd: process.cwd() },
    );

  const cached = async (): Promise<Map<string, number>> => {
    const names = await readdir(cache).catch(() => []);
    const times = new Map<string, number>();
    for (const name of names) times.set(name, (await stat(path.join(cache, name))).mtimeMs);
    return times;
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rxjobs-compile-cache-'));
    cache = path.join(dir, 'cache');
    const fixture = path.join(dir, 'fixture');
    await mkdir(fixture);
    await writeFile(path.join(fixture, 'package.json'), '{"type":"commonjs"}\n');
    await writeFile(
      path.join(fixture, 'main.js'),
      [
        '#!/usr/bin/env node',
        "'use strict';",
        "const { twice } = require('./lib.js');",
        'exports.describe = () =>',
        "  [twice(21), require('node:path').basename(__filename), require('node:path').basename(__dirname), typeof module.exports].join(' ');",
        '',
      ].join('\n'),
    );
    await writeFile(path.join(fixture, 'lib.js'), 'module.exports.twice = (n) => 2 * n;\n');
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the modules as Node would, and writes their code to the cache at exit', async () => {
    expect(load()).to.equal('42 main.js fixture object');
    const first = await cached();
    expect(first.size).to.equal(2); // main.js and lib.js
    expect([...first.keys()].every((name) => name.endsWith('.v8'))).to.equal(true);
  });

  it('reads the cache on the next run, without writing it again', async () => {
    const before = await cached();
    expect(load()).to.equal('42 main.js fixture object');
    expect(await cached()).to.deep.equal(before);
  });

  it('writes a module again once its source changed (V8 refuses the old code)', async () => {
    const before = await cached();
    await writeFile(path.join(dir, 'fixture', 'lib.js'), 'module.exports.twice = (n) => n + n + 0;\n');
    expect(load()).to.equal('42 main.js fixture object');
    const after = await cached();
    expect([...after.keys()]).to.have.members([...before.keys()]);
    const changed = [...after].filter(([name, time]) => before.get(name) !== time);
    expect(changed).to.have.length(1);
  });

  it('lives in RXJOBS_COMPILE_CACHE, else XDG_CACHE_HOME, else ~/.cache; RXJOBS_COMPILE_CACHE=0: none', () => {
    expect(compileCacheDir({ RXJOBS_COMPILE_CACHE: '/c' })).to.equal('/c');
    expect(compileCacheDir({ RXJOBS_COMPILE_CACHE: '0', HOME: '/h' })).to.equal(undefined);
    expect(compileCacheDir({ XDG_CACHE_HOME: '/x', HOME: '/h' })).to.equal('/x/rxjobs/v8');
    expect(compileCacheDir({ XDG_CACHE_HOME: 'relative', HOME: '/h' })).to.equal('/h/.cache/rxjobs/v8');
    expect(compileCacheDir({ HOME: '/h' })).to.equal('/h/.cache/rxjobs/v8');
  });
});
