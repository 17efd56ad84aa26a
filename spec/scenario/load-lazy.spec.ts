/**
 * `yaml` (the parser that places problems in a file) is loaded only when needed: a scenario without problems
 * is read by js-yaml alone, which saves its loading at each start of `rxjobs run`.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

import { expect } from 'chai';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** In a fresh node: parses `text` and says how many problems, and whether the `yaml` package was loaded. */
const loadsYaml = (text: string): { problems: number; yaml: boolean } => {
  const code = `
    import { createRequire } from 'node:module';
    import { parseScenario } from './lib/scenario/load.ts';
    const loaded = parseScenario(${JSON.stringify(text)}, 'inline.yaml');
    const cache = createRequire(import.meta.url).cache;
    const yaml = Object.keys(cache).some((k) => k.includes('/node_modules/yaml/'));
    console.log(JSON.stringify({ problems: loaded._tag === 'Left' ? loaded.left.length : 0, yaml }));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return JSON.parse(out) as { problems: number; yaml: boolean };
};

describe('parseScenario loads the yaml package only to locate problems', function () {
  this.timeout(20_000);

  it('reads a file without problems with js-yaml alone', () => {
    expect(
      loadsYaml('nodes: [{id: here, local: true}]\njobs: [{id: a, node: here, commands: [echo hi]}]\n'),
    ).to.deep.equal({
      problems: 0,
      yaml: false,
    });
  });

  it('loads it for a problem, which has its line', () => {
    expect(
      loadsYaml('nodes: [{id: here, local: true}]\njobs: [{id: a, node: there, commands: [echo]}]\n'),
    ).to.deep.equal({
      problems: 1,
      yaml: true,
    });
  });
});
