// The one-way layers of lib/ (issue 12), checked by `npm run lint`: a module may import its own layer and the
// layers below it, never one above; no import cycle, type-only ones included; ssh2 only behind its adapter;
// core does no I/O. Violations that exist today are listed in .dependency-cruiser-known-violations.json, which
// only shrinks as the redesign moves files; any new one fails the lint.

/** Layers, bottom first. */
const LAYERS = [
  ['errors', '^lib/errors/'],
  ['internal', '^lib/internal/'],
  ['hosts', '^lib/hosts/'],
  ['core', '^lib/core/'],
  ['nodes', '^lib/nodes/'],
  ['commands', '^lib/commands/'],
  ['ssh-job', '^lib/ssh-job\\.ts$'],
  ['render', '^lib/render/'],
  ['scenario', '^lib/scenario/'],
  ['cli', '^lib/cli/'],
];

const forbidden = [
  {
    name: 'no-circular',
    severity: 'error',
    comment: 'no import cycle, type-only ones included',
    from: { path: '^lib/' },
    to: { circular: true },
  },
  {
    name: 'ssh2-only-in-adapter',
    severity: 'error',
    comment: 'ssh2 is imported by its adapter only',
    from: { path: '^lib/', pathNot: '^lib/nodes/ssh2(-load)?\\.ts$' },
    to: { path: '(^|/)node_modules/ssh2/' },
  },
  {
    name: 'core-no-io',
    severity: 'error',
    comment: 'the scheduler core is pure RxJS: no Node.js module',
    from: { path: '^lib/core/' },
    to: { dependencyTypes: ['core'] },
  },
];

LAYERS.forEach(([name, path], i) => {
  const above = LAYERS.slice(i + 1).map(([, p]) => p);
  if (above.length > 0)
    forbidden.push({
      name: `layer-${name}`,
      severity: 'error',
      comment: `${name} may not import a layer above it`,
      from: { path, pathNot: LAYERS.slice(0, i).map(([, p]) => p) },
      to: { path: above },
    });
});

module.exports = {
  forbidden,
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
