// Scenario files (YAML), as `rxjobs run` reads them: a separate entry point (`rxjobs/scenario`), so that
// the main one loads neither the YAML parser nor io-ts. Explicit named re-exports only.
export { loadScenario, parseScenario } from './load.js';
export type { LoadedScenario, ParseScenarioOptions } from './load.js';
export { buildScenario } from './build.js';
export type { BuildScenarioOptions, BuiltScenario, SshNodeDefaults } from './build.js';
export { describeScenario } from './describe.js';
export { formatProblems } from './problems.js';
export type { ScenarioProblem } from './problems.js';
export { ScenarioSpec } from './codecs.js';
