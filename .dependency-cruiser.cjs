// The one-way layers of lib/, checked by `npm run lint` (docs/architecture.md §3): a module may import its own
// layer and the layers below it, never one above nor a sibling listed in ACROSS; no import cycle, type-only ones
// included; ssh2 only behind its adapter in nodes/ssh/; core and render/text do no I/O.

/** Layers, bottom first (the picture of docs/architecture.md §1). */
const LAYERS = [
  ['errors', '^lib/errors/'],
  ['hosts', '^lib/hosts/'],
  ['core', '^lib/core/'],
  ['nodes', '^lib/nodes/[^/]+$'],
  ['trust', '^lib/nodes/trust/'],
  ['local', '^lib/nodes/local/'],
  ['ssh', '^lib/nodes/ssh/'],
  ['commands', '^lib/commands/'],
  ['ssh-job', '^lib/ssh-job/'],
  ['render-text', '^lib/render/text/'],
  ['render', '^lib/render/[^/]+$'],
  ['render-files', '^lib/render/files/'],
  ['record', '^lib/record/'],
  ['report', '^lib/report/'],
  ['scheduler', '^lib/scheduler\\.ts$'],
  ['fleet', '^lib/fleet/'],
  ['scenario', '^lib/scenario/'],
  ['index', '^lib/index\\.ts$'],
  ['cli', '^lib/cli/'],
];

/** Layers that sit side by side and must not import each other (besides what LAYERS forbids). */
const ACROSS = { ssh: ['local'], core: ['hosts'] };

const pathOf = (name) => LAYERS.find(([n]) => n === name)[1];

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
    comment: 'only the adapter (nodes/ssh/ssh2.ts, ssh2-load.ts) imports the ssh2 package',
    from: { path: '^lib/', pathNot: '^lib/nodes/ssh/ssh2(-load)?\\.ts$' },
    to: { path: '(^|/)node_modules/ssh2/' },
  },
  {
    name: 'ssh2-types-stay-in-ssh',
    severity: 'error',
    comment: 'the adapter, and so ssh2 types, are used inside nodes/ssh/ only',
    from: { path: '^lib/', pathNot: '^lib/nodes/ssh/' },
    to: { path: '^lib/nodes/ssh/ssh2(-load)?\\.ts$' },
  },
  {
    name: 'core-no-io',
    severity: 'error',
    comment: 'errors/ and core/ (the scheduler) are pure: no Node.js module',
    from: { path: '^lib/(core|errors)/' },
    to: { dependencyTypes: ['core'] },
  },
  {
    name: 'text-no-io',
    severity: 'error',
    comment: 'render/text/ builds text only: no file, process, network or terminal module',
    from: { path: '^lib/render/text/' },
    to: {
      dependencyTypes: ['core'],
      path: '^(node:)?(fs|fs/promises|child_process|net|stream|stream/promises|tty|readline)$',
    },
  },
];

LAYERS.forEach(([name, path], i) => {
  const above = LAYERS.slice(i + 1).map(([, p]) => p);
  if (above.length > 0)
    forbidden.push({
      name: `layer-${name}`,
      severity: 'error',
      comment: `${name} may not import a layer above it`,
      from: { path },
      to: { path: above },
    });
});
Object.entries(ACROSS).forEach(([name, siblings]) =>
  forbidden.push({
    name: `across-${name}`,
    severity: 'error',
    comment: `${name} may not import ${siblings.join(', ')}`,
    from: { path: pathOf(name) },
    to: { path: siblings.map(pathOf) },
  }),
);

module.exports = {
  forbidden,
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
