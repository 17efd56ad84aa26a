/**
 * The `yaml` package, loaded on first use: js-yaml reads the data of a scenario file, and `yaml` is needed only
 * to place a problem in the file, to read a file that js-yaml refuses, or a `--vars` file. Loading it costs
 * ~25 ms at each start of `rxjobs run`, and nothing when the file has no problem.
 * @module
 */
import { createRequire } from 'node:module';

import type * as Yaml from 'yaml';

let loaded: typeof Yaml | undefined;

/** The `yaml` module (its CommonJS build, which `import` from Node gives too). @internal */
export const yamlModule = (): typeof Yaml =>
  (loaded ??= createRequire(import.meta.url)('yaml') as typeof Yaml);
