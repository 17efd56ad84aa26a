/// <reference types="node" preserve="true" />
// The reference loads Node's types for a user's compiler, as in lib/index.ts: this entry point may be the
// only one a program imports.
/**
 * Scenario files (YAML), as `rxjobs run` reads them: load and check one, build its scheduler.
 * @module rxjobs/scenario
 */
// Scenario files (YAML), as `rxjobs run` reads them: a separate entry point (`rxjobs/scenario`), so that
// the main one loads neither the YAML parser nor io-ts. Explicit named re-exports only.
export { loadScenario, parseScenario } from './load.js';
export type { LoadedScenario, LoadScenarioOptions, ParseScenarioOptions } from './load.js';
export type { VariableOverrides } from './substitute-nodes.js';
export type { ApsshDialect } from './apssh/translate.js';
export type { Dialect, Note as DialectNote } from './apssh/pass.js';
export { buildScenario } from './build.js';
export type { BuildScenarioOptions, BuiltScenario, SshNodeDefaults } from './build.js';
export { describeScenario } from './describe.js';
export type { DescribeScenarioOptions } from './describe.js';
export { formatProblems } from './problems.js';
export type { ScenarioProblem } from './problems.js';
export { ScenarioSpec } from './codecs.js';
