import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import rxjsX from 'eslint-plugin-rxjs-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: [
      'dist/**',
      'coverage/**',
      'docs/api/**',
      'bench/out/**',
      '.ci-out/**',
      '.prof-*/**',
      '**/*.tmp.*',
      // type-checked by `npm run check:consumer` against the packed package, in a scratch project
      'scripts/consumer/**',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.strictTypeChecked, rxjsX.configs.strict],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  {
    // type tests are statements whose only purpose is to be type-checked
    files: ['spec/types/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-meaningless-void-operator': 'off',
      '@typescript-eslint/require-await': 'off',
      'rxjs-x/no-floating-observables': 'off',
      'rxjs-x/no-ignored-error': 'off',
    },
  },
  {
    // in tests, an empty stream is a failure: EmptyError says so, no default value wanted
    files: ['spec/**/*.ts', 'examples/**/*.ts'],
    rules: { 'rxjs-x/no-ignored-default-value': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: globals.node },
  },
  prettier,
);
