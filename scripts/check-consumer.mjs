#!/usr/bin/env node
// npm run check:consumer: the package as a user gets it. Packs the tarball (`npm pack`, whose `prepack`
// builds dist/), installs it into a scratch project in a temporary directory outside the repository
// (`npm install --prefer-offline`: from the npm cache when it can), and there:
//
//  1. type-checks, under `moduleResolution` `nodenext` and then `bundler`, with `strict`, `skipLibCheck: false`,
//     `lib: ["es2023"]` and NO `types` option (TypeScript 6 then loads no @types package by itself):
//     - the declarations of every entry point of the package's `exports` map, and every .d.ts they reach
//       (none may refer to a type that `stripInternal` removed, or to a package the user does not get, such
//       as @types/ssh2);
//     - the consumer programs of scripts/consumer/ (exports.ts uses every public export once; local-job.ts
//       runs a small job); they compile with `noUnusedLocals`, so an export imported there is used there;
//     - every TypeScript code block of README.md (read now, at run time);
//  2. checks that the consumer programs import every name that each entry point of the package's `exports`
//     map (`rxjobs`, `rxjobs/scenario`, ...) exports, and names those they miss;
//  3. runs `npx rxssh --help`, `npx rxjobs --help`, `npx rxssh --version`, `npx rxjobs report --help`, `npx
//     rxjobs run` of a scenario template of local nodes, and the compiled local-job.ts (an SshJob on a
//     LocalNode) from the installed package.
//
// README code blocks. A block whose info string starts with `ts` or `typescript` (indented blocks, as in a
// list, included) is checked; other blocks are not. Each block is its own module, with these rules:
//  - A block with `import`s is a program a user could copy: every name it uses must be imported or declared
//    in it, except the PLACEHOLDERS below.
//  - A block with no `import` is a fragment that continues the previous TypeScript block (as the tour's
//    `scheduler.run().pipe(filter(...))` continues the tour): it is checked appended to that block, and it
//    may use names that rxjs or the package export without importing them (as an editor's auto-import would
//    add them).
//  - PLACEHOLDERS are the helpers the README leaves to the reader (`setUpNodes()`, `measure(i)`): they are
//    declared, with the types a reader's code would have, in the blocks that use them. A name that is none of
//    these is an error. When the README gets a new placeholder, add it here.
// Errors in README blocks are reported as README.md:<line>:<column>.
//
// Usage: node scripts/check-consumer.mjs [--keep]   (--keep leaves the scratch project and prints its path)
// Exit status 0 when every check passes, 1 otherwise; each failure is printed with what to fix.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';

const PLACEHOLDERS = {
  setUpNodes: 'declare function setUpNodes(): Promise<void>;',
  measure: 'declare function measure(run: number): Promise<number>;',
  gather: 'declare function gather(): Promise<string[]>;',
  load: 'declare function load(): number;',
};

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const started = Date.now();
const failures = [];
const fail = (what) => {
  failures.push(what);
  console.error(`check:consumer: FAILED: ${what}`);
};
const step = (what) => {
  console.log(`check:consumer: ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
};

/** Runs a command; returns its result (stdout and stderr captured, as text). */
const run = (command, args, cwd, env = process.env) =>
  spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

const tail = (text, n = 30) => text.trimEnd().split('\n').slice(-n).join('\n');

function main() {
  const tarball = pack();
  const project = install(tarball);
  const installed = join(project, 'node_modules', 'rxjobs');
  const sources = copySources(project);
  const readme = readmeUnits(readFileSync(join(repo, 'README.md'), 'utf8'));
  step(`type-checking ${sources.length} consumer programs and ${readme.length} README blocks`);
  const entries = entryPoints(installed);
  const declarations = [...entries.values()]; // and, through them, every declaration a user can reach
  const placeholders = resolveFragments(project, readme, [...declarations, ...sources], entries);
  for (const mode of ['nodenext', 'bundler']) {
    const files = writeReadme(project, readme, placeholders);
    const program = createProgram([...declarations, ...sources, ...files.map((f) => f.file)], mode, project);
    report(mode, program, files);
    if (mode === 'nodenext') {
      checkExports(program, sources, entries);
      const emitted = program.emit(program.getSourceFile(join(project, 'src', 'local-job.ts')));
      if (emitted.emitSkipped) fail('local-job.ts was not emitted');
    }
  }
  runInstalled(project);
}

/** `npm pack` of the repository (its `prepack` builds dist/); checks the tarball's contents. */
function pack() {
  step('npm pack');
  const packed = run('npm', ['pack', '--pack-destination', scratch, '--loglevel=error'], repo);
  if (packed.status !== 0) throw new Error(`npm pack failed:\n${tail(packed.stdout + packed.stderr)}`);
  const name = readdirSync(scratch).find((f) => f.endsWith('.tgz'));
  if (name === undefined) throw new Error('npm pack made no tarball');
  const tarball = join(scratch, name);
  const listing = run('tar', ['-tzf', tarball], scratch).stdout.split('\n');
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  const wanted = ['package/LICENSE', 'package/README.md', 'package/package.json'];
  for (const target of Object.values(pkg.exports)) {
    if (typeof target === 'string') wanted.push(`package/${target.replace(/^\.\//, '')}`);
    else for (const file of Object.values(target)) wanted.push(`package/${file.replace(/^\.\//, '')}`);
  }
  for (const bin of Object.values(pkg.bin)) wanted.push(`package/${bin.replace(/^\.\//, '')}`);
  for (const file of wanted)
    if (!listing.includes(file))
      fail(
        `the tarball lacks ${file.slice('package/'.length)} (does \`npm pack\` build dist/? see "prepack")`,
      );
  return tarball;
}

/** A scratch project depending on the tarball and on rxjs (the peer dependency), installed. */
function install(tarball) {
  step('npm install of the tarball into a scratch project');
  const project = join(scratch, 'consumer');
  mkdirSync(project);
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  const manifest = {
    name: 'rxjobs-consumer',
    private: true,
    type: 'module',
    dependencies: { rxjobs: `file:${tarball}`, rxjs: pkg.peerDependencies.rxjs },
  };
  writeFileSync(join(project, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const installed = run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
    project,
  );
  if (installed.status !== 0)
    throw new Error(`npm install failed:\n${tail(installed.stdout + installed.stderr)}`);
  return project;
}

/** Copies scripts/consumer/*.ts into the project's src/; returns their paths there. */
function copySources(project) {
  const from = join(repo, 'scripts', 'consumer');
  const to = join(project, 'src');
  cpSync(from, to, { recursive: true });
  return readdirSync(to)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(to, f));
}

/** The entry points of the installed package: specifier (`rxjobs/scenario`) -> its .d.ts file. */
function entryPoints(installed) {
  const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  const entries = new Map();
  for (const [key, target] of Object.entries(pkg.exports)) {
    if (typeof target !== 'object' || target.types === undefined) continue;
    entries.set(
      key === '.' ? pkg.name : `${pkg.name}/${key.replace(/^\.\//, '')}`,
      join(installed, target.types),
    );
  }
  return entries;
}

function options(mode, project) {
  return {
    target: ts.ScriptTarget.ES2023,
    lib: ['lib.es2023.d.ts'],
    ...(mode === 'nodenext'
      ? { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext }
      : { module: ts.ModuleKind.Preserve, moduleResolution: ts.ModuleResolutionKind.Bundler, noEmit: true }),
    strict: true,
    skipLibCheck: false,
    noUnusedLocals: true,
    noUnusedParameters: true,
    rootDir: project,
    outDir: join(project, 'out'),
  };
}

// The parsed declarations of node_modules and of TypeScript's libs, shared by the three programs (README and
// consumer files are read afresh: a README unit changes once its prelude is known).
const parsed = new Map();
function createProgram(roots, mode, project) {
  const compilerOptions = options(mode, project);
  const host = ts.createCompilerHost(compilerOptions);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    if (!fileName.endsWith('.d.ts') || !fileName.includes('/node_modules/'))
      return read(fileName, languageVersion, ...rest);
    const key = `${fileName} ${JSON.stringify(languageVersion)}`;
    if (!parsed.has(key)) parsed.set(key, read(fileName, languageVersion, ...rest));
    return parsed.get(key);
  };
  return ts.createProgram(roots, compilerOptions, host);
}

// ---- README blocks

/**
 * The TypeScript blocks of the README as units to check: a block with imports starts a unit; a block without
 * continues the previous unit (checked as that unit's text followed by its own).
 */
function readmeUnits(text) {
  const lines = text.split('\n');
  const units = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(\S*)/.exec(lines[i]);
    if (open === null) continue;
    const [, indent, fence, lang] = open;
    let end = i + 1;
    while (end < lines.length && !lines[end].trimStart().startsWith(fence)) end++;
    if (['ts', 'typescript'].includes(lang.toLowerCase())) {
      const own = lines.slice(i + 1, end).map((line, k) => ({
        text: line.startsWith(indent) ? line.slice(indent.length) : line,
        line: i + 2 + k,
      }));
      const isFragment = !own.some(({ text: l }) => /^\s*import\s/.test(l));
      const previous = units.at(-1);
      if (isFragment && previous === undefined)
        fail(`README.md:${i + 1}: a fragment with no block before it`);
      units.push({
        name: `readme-${String(i + 1).padStart(4, '0')}.ts`,
        start: i + 1,
        fragment: isFragment,
        lines: isFragment && previous !== undefined ? [...previous.lines, ...own] : own,
        ownFrom: own[0]?.line ?? i + 2,
      });
    }
    i = end;
  }
  return units;
}

/** Writes each unit, its prelude first; returns {file, unit, preludeLength}. */
function writeReadme(project, units, preludes) {
  const dir = join(project, 'readme');
  mkdirSync(dir, { recursive: true });
  return units.map((unit) => {
    const prelude = preludes.get(unit.name) ?? [];
    const file = join(dir, unit.name);
    writeFileSync(file, [...prelude, ...unit.lines.map((l) => l.text), 'export {};', ''].join('\n'));
    return { file, unit, preludeLength: prelude.length };
  });
}

/**
 * Finds the names the README blocks use without declaring them (a first check, without preludes), and
 * returns, per unit, the prelude that declares them: placeholders, and for fragments, imports of what rxjs
 * or the package exports. Names that are neither stay undeclared, and are reported by the real check.
 */
function resolveFragments(project, units, roots, entries) {
  const files = writeReadme(project, units, new Map());
  const program = createProgram([...roots, ...files.map((f) => f.file)], 'nodenext', project);
  const checker = program.getTypeChecker();
  const exported = new Map(); // name -> module specifier
  const addExports = (specifier, file) => {
    const source = program.getSourceFile(file);
    const symbol = source && checker.getSymbolAtLocation(source);
    if (symbol)
      for (const s of checker.getExportsOfModule(symbol))
        if (!exported.has(s.name)) exported.set(s.name, specifier);
  };
  for (const [specifier, file] of entries) addExports(specifier, file);
  const rxjs = ts.resolveModuleName('rxjs', files[0]?.file ?? project, program.getCompilerOptions(), ts.sys);
  if (rxjs.resolvedModule) addExports('rxjs', rxjs.resolvedModule.resolvedFileName);
  else fail('rxjs is not resolvable from the scratch project');

  const preludes = new Map();
  for (const { file, unit } of files) {
    const missing = new Set();
    for (const d of program.getSemanticDiagnostics(program.getSourceFile(file)))
      if (d.code === 2304 || d.code === 2552) {
        const name = /'([^']+)'/.exec(ts.flattenDiagnosticMessageText(d.messageText, '\n'))?.[1];
        if (name !== undefined) missing.add(name);
      }
    const prelude = [];
    const imports = new Map();
    for (const name of missing) {
      if (Object.hasOwn(PLACEHOLDERS, name)) prelude.push(PLACEHOLDERS[name]);
      else if (unit.fragment && exported.has(name)) {
        const from = exported.get(name);
        imports.set(from, [...(imports.get(from) ?? []), name]);
      }
    }
    for (const [from, names] of imports) prelude.push(`import { ${names.join(', ')} } from '${from}';`);
    if (prelude.length > 0) {
      preludes.set(unit.name, prelude);
      step(`README.md:${unit.start}: ${unit.fragment ? 'fragment, ' : ''}prelude: ${prelude.join(' ')}`);
    }
  }
  return preludes;
}

// ---- reports

const UNUSED = new Set([6133, 6138, 6192, 6196, 6198, 6199, 6205]);

/** Prints the diagnostics of a program, README ones at their README line; each one is a failure. */
function report(mode, program, readmeFiles) {
  const byFile = new Map(readmeFiles.map((f) => [f.file, f]));
  const seen = new Set();
  let count = 0;
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
    let where = '';
    if (d.file !== undefined && d.start !== undefined) {
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      const readme = byFile.get(d.file.fileName);
      if (readme !== undefined) {
        if (UNUSED.has(d.code)) continue; // README blocks may leave a value unused
        const at = readme.unit.lines[line - readme.preludeLength];
        where = at === undefined ? `${readme.unit.name} (prelude)` : `README.md:${at.line}:${character + 1}`;
      } else where = `${relative(scratch, d.file.fileName)}:${line + 1}:${character + 1}`;
    }
    const text = `${where}: error TS${d.code}: ${message}`;
    if (seen.has(text)) continue; // a fragment repeats the block it continues
    seen.add(text);
    console.error(`  [${mode}] ${text}`);
    count++;
  }
  if (count > 0) fail(`${count} type error(s) under moduleResolution ${mode}`);
  else step(`no type error under moduleResolution ${mode}`);
}

/** Every export of every entry point is imported by a consumer program. */
function checkExports(program, sources, entries) {
  const checker = program.getTypeChecker();
  const imported = new Map();
  for (const file of sources)
    for (const statement of program.getSourceFile(file).statements) {
      if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const names = imported.get(statement.moduleSpecifier.text) ?? new Set();
      const bindings = statement.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings))
        for (const element of bindings.elements) names.add((element.propertyName ?? element.name).text);
      imported.set(statement.moduleSpecifier.text, names);
    }
  for (const [specifier, file] of entries) {
    const source = program.getSourceFile(file);
    const symbol = source && checker.getSymbolAtLocation(source);
    if (!symbol) {
      fail(`cannot read the exports of ${specifier} (${file})`);
      continue;
    }
    const names = checker.getExportsOfModule(symbol).map((s) => s.name);
    const used = imported.get(specifier) ?? new Set();
    const missing = names.filter((n) => !used.has(n));
    if (missing.length > 0)
      fail(`scripts/consumer/ does not use these exports of '${specifier}': ${missing.join(', ')}`);
    else step(`the consumer programs use all ${names.length} exports of '${specifier}'`);
  }
}

// ---- the installed programs

function runInstalled(project) {
  for (const bin of ['rxssh', 'rxjobs']) {
    const r = run('npx', ['--no-install', bin, '--help'], project);
    if (r.status !== 0 || !r.stdout.startsWith(`Usage: ${bin}`))
      fail(`npx ${bin} --help: exit ${r.status}\n${tail(r.stdout + r.stderr, 10)}`);
    else step(`npx ${bin} --help: ok`);
  }
  for (const [args, expect] of [
    [['rxssh', '--version'], /^rxssh \d/],
    [['rxjobs', 'report', '--help'], /^Usage: rxjobs report /],
  ]) {
    const r = run('npx', ['--no-install', ...args], project);
    if (r.status !== 0 || !expect.test(r.stdout))
      fail(`npx ${args.join(' ')}: exit ${r.status}\n${tail(r.stdout + r.stderr, 10)}`);
    else step(`npx ${args.join(' ')}: ok`);
  }
  // a scenario of local nodes, from a template: the programs behind the bins' front doors, with the YAML
  // readers and nunjucks, which they load from the installed dependencies
  const scenario = join(project, 'local.yaml.j2');
  writeFileSync(
    scenario,
    [
      "{% set names = ['a', 'b'] %}",
      'nodes:',
      '{% for n in names %}',
      '  - { id: {{ n }}, local: true }',
      '{% endfor %}',
      'jobs:',
      '{% for n in names %}',
      '  - { id: job-{{ n }}, node: {{ n }}, commands: ["echo hello from {{ n }}"] }',
      '{% endfor %}',
      '',
    ].join('\n'),
  );
  const r = run(
    'npx',
    ['--no-install', 'rxjobs', 'run', '--no-record', scenario, '--var', 'names=[a, b]'],
    project,
  );
  if (r.status !== 0 || !/hello from a/.test(r.stdout) || !/hello from b/.test(r.stdout))
    fail(`npx rxjobs run local.yaml.j2: exit ${r.status}\n${tail(r.stdout + r.stderr, 10)}`);
  else step('npx rxjobs run local.yaml.j2 (a template of local nodes): ok');
  const job = run(process.execPath, [join(project, 'out', 'src', 'local-job.js')], project);
  if (job.status !== 0) fail(`local-job.js: exit ${job.status}\n${tail(job.stdout + job.stderr, 15)}`);
  else step(`local-job.js (an SshJob on a LocalNode): ${job.stdout.trim().split('\n').at(-1)}`);
}

// ---- main

const scratch = mkdtempSync(join(tmpdir(), 'rxjobs-consumer-'));
try {
  main();
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
} finally {
  if (keep) console.log(`check:consumer: scratch project kept in ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.error(`check:consumer: ${failures.length} check(s) failed`);
  process.exitCode = 1;
} else console.log(`check:consumer: all good (${((Date.now() - started) / 1000).toFixed(1)} s)`);
