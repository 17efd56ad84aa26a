import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { expect } from 'chai';
import * as esbuild from 'esbuild';

import { mappedStack } from '../../lib/cli/mapped-stack.js';

describe('mappedStack (the stack of an internal error, in the sources)', () => {
  let dir: string;
  let stack: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rxjobs-mapped-stack-'));
    await writeFile(
      path.join(dir, 'inner.ts'),
      [
        '// a module of the sources',
        'export function inner(n: number): number {',
        "  if (n > 0) throw new Error('deep');",
        '  return n;',
        '}',
        '',
      ].join('\n'),
    );
    await writeFile(
      path.join(dir, 'entry.ts'),
      ["import { inner } from './inner.js';", '', 'export const outer = (): number => inner(1);', ''].join(
        '\n',
      ),
    );
    // a bundle as scripts/bundle-cli.mjs makes them: CommonJS, a linked source map beside it
    await esbuild.build({
      entryPoints: [path.join(dir, 'entry.ts')],
      outfile: path.join(dir, 'out', 'bundle.js'),
      bundle: true,
      format: 'cjs',
      platform: 'node',
      sourcemap: 'linked',
      sourcesContent: false,
      logLevel: 'silent',
    });
    // run in a plain node (tsx, under mocha, maps stacks itself)
    const script = `try { require(${JSON.stringify(path.join(dir, 'out', 'bundle.js'))}).outer() } catch (e) { process.stdout.write(e.stack) }`;
    stack = execFileSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] },
    });
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('moves the frames of a bundle to the source files, lines and columns', () => {
    expect(stack).to.include(path.join(dir, 'out', 'bundle.js'));
    const mapped = mappedStack(stack);
    expect(mapped).to.include(`${path.join(dir, 'inner.ts')}:3:`);
    expect(mapped).to.include(`${path.join(dir, 'entry.ts')}:3:`);
    expect(mapped).not.to.include('bundle.js');
    expect(mapped.split('\n')[0]).to.equal('Error: deep');
  });

  it('leaves the frames of files without a map as they are', () => {
    const plain = `Error: x\n    at f (${path.join(dir, 'nomap.js')}:1:2)\n    at node:internal/main:3:4`;
    expect(mappedStack(plain)).to.equal(plain);
  });
});
