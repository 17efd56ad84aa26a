// The layer rule of `npm run lint` (.dependency-cruiser.cjs) fails on what it is there to refuse: an import
// that runs upward, an import cycle made of type-only imports, and I/O in the core. Each is planted in a
// scratch tree of its own (never in lib/), and the repository's own config is run on it.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect } from 'chai';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEPCRUISE = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** Runs the repository's layer config on a scratch tree made of `files`: its exit code and output. */
const cruise = (files: Record<string, string>): Promise<{ code: number; output: string }> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxjobs-layers-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'nodenext', strict: true }, include: ['lib'] }),
  );
  const config = path.join(ROOT, '.dependency-cruiser.cjs');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [DEPCRUISE, 'lib', '--config', config],
      { cwd: dir },
      (error, stdout, stderr) => {
        fs.rmSync(dir, { recursive: true, force: true });
        resolve({ code: error === null ? 0 : Number(error.code ?? 1), output: `${stdout}${stderr}` });
      },
    );
  });
};

describe('the layer rule of npm run lint', function () {
  this.timeout(30_000);

  it('passes a tree whose imports only run downward', async () => {
    const r = await cruise({
      'lib/core/job.ts': `export const job = 1;\n`,
      'lib/nodes/node.ts': `import { job } from '../core/job.js';\nexport const node = job;\n`,
      'lib/cli/main.ts': `import { node } from '../nodes/node.js';\nexport const main = node;\n`,
    });
    expect(r.code, r.output).to.equal(0);
  });

  it('fails on an import that runs upward, naming the rule and both files', async () => {
    const r = await cruise({
      'lib/cli/argv.ts': `export const argv = 1;\n`,
      'lib/nodes/flow.ts': `import { argv } from '../cli/argv.js';\nexport const flow = argv;\n`,
    });
    expect(r.code).to.not.equal(0);
    expect(r.output).to.include('layer-nodes: lib/nodes/flow.ts → lib/cli/argv.ts');
  });

  it('fails on a cycle made of type-only imports', async () => {
    const r = await cruise({
      'lib/commands/run.ts': `import type { B } from './shell.js';\nexport interface A { b?: B }\n`,
      'lib/commands/shell.ts': `import type { A } from './run.js';\nexport interface B { a?: A }\n`,
    });
    expect(r.code).to.not.equal(0);
    expect(r.output).to.include('no-circular');
  });

  it('fails on a Node.js module imported by the core', async () => {
    const r = await cruise({
      'lib/core/io.ts': `import { readFileSync } from 'node:fs';\nexport const io = readFileSync;\n`,
    });
    expect(r.code).to.not.equal(0);
    expect(r.output).to.include('core-no-io: lib/core/io.ts');
  });
});
