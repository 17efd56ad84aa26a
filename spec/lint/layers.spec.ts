// The layer rule of `npm run lint` (.dependency-cruiser.cjs, docs/architecture.md §3) fails on what it is there
// to refuse: an import that runs upward or across, an import cycle made of type-only imports, I/O in the core
// or in render/text, ssh2 outside its adapter. Each is planted in a scratch tree of its own (never in lib/),
// and the repository's own config is run on it; and lib/ itself passes it.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect } from 'chai';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEPCRUISE = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Cruised {
  readonly code: number;
  readonly output: string;
}

/** Runs the repository's layer config on `lib` in `cwd`: its exit code and output. */
const depcruise = (cwd: string): Promise<Cruised> => {
  const config = path.join(ROOT, '.dependency-cruiser.cjs');
  return new Promise((resolve) => {
    execFile(process.execPath, [DEPCRUISE, 'lib', '--config', config], { cwd }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), output: `${stdout}${stderr}` });
    });
  });
};

/**
 * Runs the repository's layer config on a scratch tree made of `files` (with the repository's node_modules,
 * so that packages resolve): its exit code and output.
 */
const cruise = async (files: Record<string, string>): Promise<Cruised> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxjobs-layers-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'nodenext', strict: true }, include: ['lib'] }),
  );
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  try {
    return await depcruise(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
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

  it('fails on an import across sibling node kinds', async () => {
    const r = await cruise({
      'lib/nodes/local/local-node.ts': `export const local = 1;\n`,
      'lib/nodes/ssh/ssh-node.ts': `import { local } from '../local/local-node.js';\nexport const ssh = local;\n`,
    });
    expect(r.code).to.not.equal(0);
    expect(r.output).to.include('across-ssh: lib/nodes/ssh/ssh-node.ts → lib/nodes/local/local-node.ts');
  });

  it('fails on ssh2 imported outside its adapter, or the adapter imported outside nodes/ssh/', async () => {
    const r = await cruise({
      'lib/nodes/ssh/ssh2.ts': `export { Client } from 'ssh2';\n`,
      'lib/nodes/ssh/exec.ts': `import { Client } from 'ssh2';\nexport const exec = Client;\n`,
      'lib/commands/push.ts': `import { Client } from '../nodes/ssh/ssh2.js';\nexport const push = Client;\n`,
    });
    expect(r.code).to.not.equal(0);
    expect(r.output).to.match(/ssh2-only-in-adapter: lib\/nodes\/ssh\/exec\.ts → \S*node_modules\/ssh2\//);
    expect(r.output).to.include('ssh2-types-stay-in-ssh: lib/commands/push.ts → lib/nodes/ssh/ssh2.ts');
    expect(r.output).to.not.match(/: lib\/nodes\/ssh\/ssh2\.ts →/);
  });

  it('fails on I/O in render/text, which builds text only', async () => {
    const r = await cruise({
      'lib/render/text/list.ts': `import { writeFileSync } from 'node:fs';\nexport const list = writeFileSync;\n`,
    });
    expect(r.code).to.not.equal(0);
    expect(r.output).to.include('text-no-io: lib/render/text/list.ts');
  });

  it('passes on lib/ as it is: no upward or across import, no cycle, type-only ones included', async () => {
    const r = await depcruise(ROOT);
    expect(r.code, r.output).to.equal(0);
    expect(r.output).to.match(/no dependency violations found \(\d+ modules/);
  });
});
