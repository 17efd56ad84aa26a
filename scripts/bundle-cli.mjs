// The programs rxssh, rxjobs and rxjobs-demo as bundles (`npm run build`, after tsc), in dist/cli/. A CLI is a
// program, not a library: no user code shares its rxjs, so it may carry its own, tree-shaken. Node's ES module
// loader costs about 1 ms of CPU per module, and the unbundled run loaded ~200 of them (and rxjs's CommonJS
// build whole): ~200 ms of CPU before the first connection.
//
// Each of rxssh and rxjobs is two files:
//  - the front door, dist/cli/<bin>.js (lib/cli/<bin>.ts, ~25 KB): it reads the command line and answers
//    --help, --version and usage errors by itself; it never loads rxjs;
//  - the program, dist/cli/<bin>-main.js (lib/cli/<bin>-main.ts and all it imports), required by the door
//    for a run: it reads the command line again and runs.
// rxjobs-demo is one file, dist/cli/demo.js. dist/cli/ssh-worker.js is the script of the SSH worker threads
// (lib/nodes/ssh/worker/), which the programs start beside themselves. All are CommonJS (dist/cli/package.json says so): a CommonJS
// file starts without Node's ES module loader, and esbuild turns each dynamic import() inside a bundle into
// a lazy initialiser, so that what a run may not need (ssh2's adapter, the scenario reader, the report
// writer) is parsed but not run until needed.
//
// Left out of the bundles, loaded from node_modules when needed: ssh2 (CommonJS that loads the optional
// native cpu-features and its sshcrypto .node binding by paths relative to its own files), and yaml and
// nunjucks, which lib/scenario already loads lazily through createRequire. rxjs, fp-ts and io-ts are bundled
// from their ES module builds, which esbuild can tree-shake. The library entry points (dist/index.js,
// dist/scenario/index.js) stay tsc's ES modules, with rxjs a peer dependency.
//
// Source maps: dist/cli/*.js.map, to lib/**/*.ts (shipped in the package); `node --enable-source-maps`
// shows an internal error's stack in the TypeScript sources. tsc's own dist/cli/ output (type-checked by the
// build) is removed first, so that nothing in dist/cli/ is stale.
import * as fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist', 'cli');
/** The bins (package.json `bin`): a front door and its program, or one file. */
const DOORS = ['rxssh', 'rxjobs'];
const PROGRAMS = ['rxssh-main', 'rxjobs-main', 'demo'];
/** Loaded from node_modules at run time (see above). */
const EXTERNAL = ['ssh2', 'ssh2/*', 'yaml', 'nunjucks', 'cpu-features'];

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const engine = /(\d+)\.(\d+)/.exec(pkg.engines.node);
if (engine === null) throw new Error(`package.json engines.node: no version in ${pkg.engines.node}`);

/**
 * The ES module builds of the packages that also ship CommonJS, so that esbuild can tree-shake them: rxjs's
 * `exports` give CommonJS to the `node` condition, and fp-ts and io-ts keep theirs in `lib/`, with `es6/`
 * beside it.
 */
const esModules = {
  name: 'es-modules',
  setup(build) {
    const resolveFrom = (file) => ({ path: path.join(ROOT, 'node_modules', file) });
    build.onResolve({ filter: /^rxjs$/ }, () => resolveFrom('rxjs/dist/esm/index.js'));
    build.onResolve({ filter: /^io-ts$/ }, () => resolveFrom('io-ts/es6/index.js'));
    build.onResolve({ filter: /^fp-ts\/lib\/[A-Za-z]+(\.js)?$/ }, (args) =>
      resolveFrom(`fp-ts/es6/${path.basename(args.path, '.js')}.js`),
    );
  },
};

/**
 * What lib/nodes/ssh/ssh2.ts (ssh2's only importer) takes from ssh2, loaded from ssh2's own files rather than
 * its index, which also loads its SSH server, its HTTP agents (and with them Node's http, https and tls) and
 * its key generator: ~10 ms of CPU at each start. The files stay in node_modules, where ssh2 finds its
 * optional native parts. The build fails when ssh2.ts takes anything else.
 */
const SSH2_NAMES = ['BaseAgent', 'Client', 'utils.parseKey'];
const ssh2Parts = {
  name: 'ssh2-parts',
  setup(build) {
    const adapter = fs.readFileSync(path.join(ROOT, 'lib', 'nodes', 'ssh', 'ssh2.ts'), 'utf8');
    const used = new Set([...adapter.matchAll(/\bssh2\.([\w.]+)/g)].map((m) => m[1]));
    for (const m of adapter.matchAll(/const \{([^}]*)\} = ssh2;/g))
      for (const name of m[1].split(',')) used.add(name.trim());
    const other = [...used].filter((name) => !SSH2_NAMES.includes(name));
    if (other.length > 0)
      throw new Error(
        `lib/nodes/ssh/ssh2.ts uses ssh2.${other[0]}: add it to SSH2_NAMES in scripts/bundle-cli.mjs`,
      );
    build.onResolve({ filter: /^ssh2$/ }, () => ({ path: 'ssh2', namespace: 'ssh2-parts' }));
    build.onLoad({ filter: /.*/, namespace: 'ssh2-parts' }, () => ({
      loader: 'js',
      resolveDir: ROOT,
      contents: [
        "const { BaseAgent } = require('ssh2/lib/agent.js');",
        "const { parseKey } = require('ssh2/lib/protocol/keyParser.js');",
        "module.exports = { BaseAgent, Client: require('ssh2/lib/client.js'), utils: { parseKey } };",
      ].join('\n'),
    }));
  },
};

/**
 * In a front door, every dynamic import() stays out of the bundle: the door's own (its program, beside it in
 * dist/cli/, `./<bin>-main.js`) is required at run time, and the others are never called by the door.
 */
const doorImports = {
  name: 'door-imports',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined,
    );
  },
};

const common = {
  absWorkingDir: ROOT,
  outdir: OUT,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: `node${engine[1]}.${engine[2]}`,
  tsconfig: path.join(ROOT, 'tsconfig.build.json'),
  external: EXTERNAL,
  // import() becomes require() (of a program beside the door, of an external package)
  supported: { 'dynamic-import': false },
  // the sources are ES modules: strict mode, and import.meta.url (package.json's place, createRequire)
  banner: {
    js: `'use strict';\nconst __import_meta_url = require('node:url').pathToFileURL(__filename).href;`,
  },
  define: { 'import.meta.url': '__import_meta_url' },
  // inside esbuild's lazy initialisers a class becomes `Job = class _Job {...}`: keep the names that listings
  // and messages show (`<Job ...>`, `<GroupJob ...>`)
  keepNames: true,
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
};
const entries = (names) => Object.fromEntries(names.map((e) => [e, path.join('lib', 'cli', `${e}.ts`)]));

fs.rmSync(OUT, { recursive: true, force: true });
fs.mkdirSync(OUT, { recursive: true });
// every .js of dist/cli/ is CommonJS, whatever the package's `type`
fs.writeFileSync(path.join(OUT, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
const doors = await esbuild.build({
  ...common,
  entryPoints: entries(DOORS),
  plugins: [esModules, doorImports],
});
const programs = await esbuild.build({
  ...common,
  // the SSH worker thread's script, beside the programs that start it (lib/nodes/ssh/worker/pool.ts)
  entryPoints: {
    ...entries(PROGRAMS),
    'ssh-worker': path.join('lib', 'nodes', 'ssh', 'worker', 'ssh-worker.ts'),
  },
  plugins: [esModules, ssh2Parts],
});
for (const bin of Object.values(pkg.bin)) fs.chmodSync(path.join(ROOT, bin), 0o755);

// a door that pulled rxjs in would start as slowly as the program: say so
for (const [file, output] of Object.entries(doors.metafile.outputs)) {
  const heavy = Object.keys(output.inputs).filter((i) => /node_modules\/(rxjs|fp-ts|io-ts)\//.test(i));
  if (heavy.length > 0) {
    console.error(
      `${file}: the front door bundles ${heavy[0]} (and ${heavy.length - 1} more): keep it light`,
    );
    process.exit(1);
  }
}
if (process.env.BUNDLE_CLI_ANALYZE)
  for (const r of [doors, programs]) console.log(await esbuild.analyzeMetafile(r.metafile));
